// The one step from a source's latest schema version and a new inference to its next version. The crawl's
// merge, a stream's slices and `lake crawl --dry-run` all decide through it. Pure.
import { diffVersion, mergeSchemas, type Schema, type SchemaDiff } from '../schema';

export type VersionChange = 'none' | 'initial' | 'additive' | 'breaking';

export interface NextSchemaVersion {
  /** The schema after this crawl: the previous one widened by the inference (fields never go away). */
  schema: Schema;
  /** From the previous schema (none: an empty one) to `schema`. */
  diff: SchemaDiff;
  /** The source's version afterwards: the previous one when nothing changed. */
  version: number;
  change: VersionChange;
  /** Whether a version is written: the first one always, later ones when the schema changed. */
  written: boolean;
}

export function nextSchemaVersion(previous: { version: number; schema: Schema } | undefined, inferred: Schema): NextSchemaVersion {
  // the schema only grows: fields missing from new data stay (they are nullable)
  const schema = previous ? mergeSchemas(previous.schema, inferred) : inferred;
  const diff = diffVersion(previous?.schema, schema);
  if (!previous) return { schema, diff, version: 1, change: 'initial', written: true };
  if (diff.change === 'none') return { schema, diff, version: previous.version, change: 'none', written: false };
  return { schema, diff, version: previous.version + 1, change: diff.change, written: true };
}
