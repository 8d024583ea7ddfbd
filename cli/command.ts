// What a `lake` subcommand is. Add one as a file in cli/commands/ and list it, with its name and summary,
// in cli/commands/index.ts.
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Redraws one progress line (`final`: for the last time, it stays); present only on a terminal. */
  progress?(line: string, final?: boolean): void;
}

export interface Command {
  usage: string;
  /** Resolves to the process exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Exit codes shared by commands (the README lists them): 3 is work a command started that failed, e.g.
 *  the crawl `lake crawl` waited for. */
export const EXIT = { ok: 0, usage: 1, unreadableInput: 2, failed: 3 } as const;
