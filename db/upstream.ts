// Drift early warning, the catalog's side: a topic's schema change recorded for the lake source its records
// land in (in the merge's transaction), that source's holders told of a breaking one, and the link as both
// ends show it: the lake the topic lands in; the topics feeding a lake and their changes its own crawls
// have not brought yet. Which fields matter and which are pending is crawl/upstream.ts's rule.
import type { Knex } from 'knex';
import type { NextSchemaVersion } from '../crawl/schema-version';
import type { Source } from '../crawl/source';
import { describeUpstreamField, pendingFields, upstreamChangeClass, upstreamFields, type UpstreamField } from '../crawl/upstream';
import type { ChangeClass } from '../schema';
import { notifySourceHolders } from './governance';
import { latestSchema } from './schema-versions';

/** A topic's schema version as the lake source it lands in is told of it. */
export interface UpstreamChange {
  topic: string;
  /** The topic's schema version. */
  version: number;
  change: ChangeClass;
  fields: UpstreamField[];
  runId: number | null;
  recordedAt: string;
}

/** How a source is linked to the lake: a topic to the lake source it lands in, a lake source to the topics feeding it. */
export interface SourceLinks {
  landsIn: string | null;
  fedBy: string[];
  /** The feeding topics' changes, oldest first, each with only the fields the lake's newest schema has not
   *  caught up with; a change the lake has fully seen is left out. */
  pendingUpstream: UpstreamChange[];
}

/** Changed fields a notification names at most (the catalog shows them all). */
const NOTIFIED_FIELDS = 20;

/**
 * Records a topic's new schema version for the lake source it lands in, in the merge's transaction, and
 * tells that source's active holders of a breaking one. Nothing for a source landing nowhere, for the
 * initial version or no change, or for a change of the kafka_* metadata only. Recording a version twice
 * (a retried merge) records and notifies once.
 */
export async function recordUpstreamChange(trx: Knex.Transaction, topic: Source, runId: number, next: NextSchemaVersion): Promise<UpstreamChange | undefined> {
  if (topic.kind !== 'kafka' || topic.location.landsIn === undefined) return undefined;
  if (next.change !== 'additive' && next.change !== 'breaking') return undefined;
  const fields = upstreamFields(next.schema, next.diff.changes);
  const change = upstreamChangeClass(fields);
  if (change === 'none') return undefined;
  // checked when the topic was saved; the lake source may have been removed since
  const lake = await trx('sources').where({ name: topic.location.landsIn, kind: 's3' }).first('id');
  if (!lake) return undefined;
  const [row] = await trx('upstream_changes')
    .insert({ source_id: lake.id, upstream_id: topic.id, version: next.version, change_class: change, fields: JSON.stringify(fields), run_id: runId })
    .onConflict(['source_id', 'upstream_id', 'version'])
    .ignore()
    .returning('created_at');
  if (change === 'breaking') {
    // the breaking fields first: a notification names a few
    const named = [...fields.filter((f) => f.change === 'breaking'), ...fields.filter((f) => f.change !== 'breaking')].slice(0, NOTIFIED_FIELDS);
    await notifySourceHolders(trx, {
      sourceId: lake.id,
      kind: 'upstream-breaking-change',
      event: `upstream/${topic.id}/schema/v${next.version}`,
      payload: { topic: topic.name, topicVersion: next.version, runId, changes: fields.length, fields: named.map(describeUpstreamField) },
    });
  }
  return { topic: topic.name, version: next.version, change, fields, runId, recordedAt: new Date(row?.created_at ?? Date.now()).toISOString() };
}

/** Every change recorded for a lake source from the topics landing in it now, oldest first. */
export async function upstreamChangesOf(db: Knex, lake: Source): Promise<UpstreamChange[]> {
  const rows = await db('upstream_changes as c')
    .join('sources as u', 'u.id', 'c.upstream_id')
    .where('c.source_id', lake.id)
    .where('u.kind', 'kafka')
    // a topic linked elsewhere since no longer feeds this lake
    .whereRaw(`u.location->>'landsIn' = ?`, [lake.name])
    .orderBy('c.id')
    .select('u.name as topic', 'c.version', 'c.change_class', 'c.fields', 'c.run_id', 'c.created_at');
  return rows.map((r: { topic: string; version: number; change_class: ChangeClass; fields: UpstreamField[]; run_id: number | null; created_at: Date }) => ({
    topic: r.topic,
    version: r.version,
    change: r.change_class,
    fields: r.fields,
    runId: r.run_id,
    recordedAt: new Date(r.created_at).toISOString(),
  }));
}

/** The topics whose records land in a lake source, by name. */
export async function topicsLandingIn(db: Knex, lake: string): Promise<string[]> {
  return (await db('sources').where({ kind: 'kafka' }).whereRaw(`location->>'landsIn' = ?`, [lake]).orderBy('name').select('name')).map((r: { name: string }) => r.name);
}

/** A source's links, for `lake describe` and its page: where a topic lands; a lake source's feeding topics
 *  and their changes its newest schema has not caught up with. */
export async function sourceLinks(db: Knex, source: Source): Promise<SourceLinks> {
  const landsIn = source.kind === 'kafka' ? (source.location.landsIn ?? null) : null;
  if (source.kind !== 's3') return { landsIn, fedBy: [], pendingUpstream: [] };
  const [fedBy, changes, latest] = await Promise.all([topicsLandingIn(db, source.name), upstreamChangesOf(db, source), latestSchema(db, source.id)]);
  const pendingUpstream = changes.flatMap((c) => {
    const fields = pendingFields(c.fields, latest?.schema);
    const change = upstreamChangeClass(fields);
    return change === 'none' ? [] : [{ ...c, change, fields }];
  });
  return { landsIn, fedBy, pendingUpstream };
}
