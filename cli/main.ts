// `lake <command> [args]`: dispatches to the commands listed in cli/commands/index.ts.
import { EXIT, type Command, type CommandIO } from './command';
import { commands as allCommands } from './commands';

export function loadCommands(): Map<string, Command> {
  return new Map(allCommands.map((c) => [c.name, c]));
}

function help(commands: Map<string, Command>): string {
  const lines = ['usage: lake <command> [options]', '', 'commands:'];
  for (const c of commands.values()) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const commands = loadCommands();
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(help(commands));
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands.get(name);
  if (!command) {
    io.stderr(`lake: unknown command '${name}'\n\n${help(commands)}`);
    return EXIT.usage;
  }
  return command.run(args, io);
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
