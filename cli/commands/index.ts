// Every `lake` subcommand, listed once: its name and summary, and its module, loaded only when the command
// runs, so `lake --help` and each command load no other command's packages (Temporal, S3, Thrift, ...).
// Add a command by writing its file here (exporting `command`) and adding it below.
import type { Command } from '../command';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: 'source', summary: 'add, list, show, activate or remove sources (streams and their logical sources)', load: async () => (await import('./source')).command },
  { name: 'crawl', summary: 'crawl a source now and show its progress', load: async () => (await import('./crawl')).command },
  { name: 'schedules', summary: 'create, update and delete the crawl schedules to match the sources', load: async () => (await import('./schedules')).command },
  { name: 'describe', summary: 'everything about a source: schema tree, statistics, samples, volumes, runs, access', load: async () => (await import('./describe')).command },
  { name: 'history', summary: 'the schema versions of a source', load: async () => (await import('./history')).command },
  { name: 'diff', summary: 'what changed between two schema versions, and which file caused it', load: async () => (await import('./diff')).command },
  { name: 'volumes', summary: 'volume per partition, with a chart', load: async () => (await import('./volumes')).command },
  { name: 'search', summary: "find sources by name, column, description or tag (--as: in a principal's catalog)", load: async () => (await import('./search')).command },
  { name: 'column', summary: "set a column's description, tags and role; accept suggested tags", load: async () => (await import('./column')).command },
  { name: 'access', summary: 'request, approve, extend and revoke access to sources', load: async () => (await import('./access')).command },
  { name: 'users', summary: 'who holds access to a source (active grants, level, expiry)', load: async () => (await import('./users')).command },
  { name: 'table', summary: 'show what the Hive Metastore holds for a published table', load: async () => (await import('./table')).command },
  { name: 'infer', summary: 'infer one merged schema over local JSONL/CSV/Parquet files', load: async () => (await import('./infer')).command },
  { name: 'serve', summary: 'serve the web catalog (http://127.0.0.1:8080 by default)', load: async () => (await import('./serve')).command },
];
