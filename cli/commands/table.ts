// `lake table <database>.<table> [--json]`: what the Hive Metastore holds for a table — columns,
// partition keys and partitions, location, storage, parameters and grants — as engines will see it.
import { loadConfig } from '../../config';
import { MetastoreError, readTableWithGrants } from '../../client/tables';
import { EXIT, type Command } from '../command';

const USAGE = 'usage: lake table <database>.<table> [--json]\n';

export const command: Command = {
  usage: USAGE,
  async run(args, io) {
    const json = args.includes('--json');
    const names = args.filter((a) => !a.startsWith('--'));
    const m = names.length === 1 ? /^([^.]+)\.([^.]+)$/.exec(names[0]) : null;
    if (!m) {
      io.stderr(USAGE);
      return EXIT.usage;
    }
    const [, database, table] = m;
    try {
      const t = await readTableWithGrants(loadConfig().metastore, database, table);
      if (!t) {
        io.stderr(`lake table: ${database}.${table} does not exist in the metastore\n`);
        return EXIT.unreadableInput;
      }
      const { partitions, grants } = t;
      if (json) {
        io.stdout(JSON.stringify({ database, table, ...t }, null, 2) + '\n');
        return EXIT.ok;
      }
      const width = Math.max(...t.columns.map((c) => c.name.length), ...t.partitionKeys.map((c) => c.name.length), 4);
      const out = [
        `${database}.${table}`,
        ...(t.viewText !== undefined
          ? [`  view       ${t.viewText}`]
          : [`  location   ${t.location}`, `  storage    ${t.storage.serializationLib}`, `  input      ${t.storage.inputFormat}`]),
        '',
        'columns',
        ...t.columns.map((c) => `  ${c.name.padEnd(width)}  ${c.type}${c.comment ? `  -- ${c.comment}` : ''}`),
        ...(t.partitionKeys.length
          ? ['', 'partition keys', ...t.partitionKeys.map((c) => `  ${c.name.padEnd(width)}  ${c.type}`)]
          : []),
        '',
        `partitions (${partitions.length})`,
        ...partitions.slice(0, 20).map((p) => `  ${p}`),
        ...(partitions.length > 20 ? [`  … ${partitions.length - 20} more`] : []),
        '',
        'parameters',
        ...Object.entries(t.parameters)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `  ${k} = ${v}`),
        '',
        `grants (${grants.length})`,
        ...grants.map((g) => `  ${g.principal.kind} ${g.principal.name}: ${g.privilege} (by ${g.grantor})`),
      ];
      io.stdout(out.join('\n') + '\n');
      return EXIT.ok;
    } catch (e) {
      if (e instanceof MetastoreError) {
        io.stderr(`lake table: ${e.message}\n`);
        return EXIT.unreadableInput;
      }
      throw e;
    }
  },
};
