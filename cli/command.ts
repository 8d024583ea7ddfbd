// What a `lake` subcommand is. Add one as a file in cli/commands/ and list it in cli/commands/index.ts.
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the process exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Exit codes shared by commands. */
export const EXIT = { ok: 0, usage: 1, unreadableInput: 2 } as const;
