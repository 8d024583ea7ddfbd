// `lake <command> [args]`: dispatches to the commands listed in cli/commands/index.ts.
// Only the list is loaded here: a command's module, and the packages it needs, when it runs.
import { EXIT, type CommandIO } from './command';
import { commands } from './commands';

function help(): string {
  const lines = ['usage: lake <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`lake: unknown command '${name}'\n\n${help()}`);
    return EXIT.usage;
  }
  return (await entry.load()).run(args, io);
}

/** Run with the process's arguments and streams, setting the exit code. */
export function runCli(): void {
  const io: CommandIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    ...(process.stderr.isTTY ? { progress: (line: string, final?: boolean) => process.stderr.write(`\r\u001b[2K${line}${final ? '\n' : ''}`) } : {}),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      io.stderr(`lake: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}

if (require.main === module) runCli();
