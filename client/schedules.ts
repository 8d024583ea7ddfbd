// One Temporal Schedule per enabled source, kept in step with the catalog: created when missing, updated
// when its definition changed, deleted when its source is gone or disabled. The worker runs this at
// start; `lake schedules sync` runs it on demand. Each catalog touches only the schedules under its own
// name (`<catalog>/crawl-schedule/<source>`), and those it created before ids named the catalog.
import { Client, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import type { Knex } from 'knex';
import type { LakeConfig } from '../config';
import type { Source } from '../crawl/source';
import { listSources } from '../db/sources';
import { crawlScheduleId, crawlSchedulePrefix, crawlWorkflowId, LAKE_SOURCE, LEGACY_IDS, WORKFLOW_TYPES, type CrawlInput } from '../workflows/shared';
import { retryTransient as retrying } from './temporal-retry';

/** hourly: five past each hour; nightly: 02:00 UTC; anything else is the source's cron expression. */
export function scheduleSpecOf(schedule: string): ScheduleSpec {
  if (schedule === 'hourly') return { cronExpressions: ['5 * * * *'] };
  if (schedule === 'nightly') return { cronExpressions: ['0 2 * * *'] };
  return { cronExpressions: [schedule] };
}

/** How schedules from before ids named their catalog said whose they were (their memo's `catalog`): the
 *  catalog database's server and name. */
export function legacyCatalogKey(config: LakeConfig): string {
  const u = new URL(config.postgres.url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

export function scheduleOptionsOf(source: Source, config: LakeConfig): ScheduleOptions {
  const args: [CrawlInput] = [{ source: source.name, inferenceTaskQueue: config.temporal.inferenceTaskQueue }];
  return {
    scheduleId: crawlScheduleId(config.catalog, source.name),
    spec: scheduleSpecOf(source.schedule),
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.crawl,
      workflowId: crawlWorkflowId(config.catalog, source.name),
      taskQueue: config.temporal.taskQueue,
      args,
      typedSearchAttributes: [{ key: LAKE_SOURCE, value: source.name }],
      memo: { source: source.name, kind: source.kind, format: source.kind === 's3' ? source.format : source.kind === 'kafka' ? 'kafka' : 'table', catalog: config.catalog },
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP, // one source never crawls twice at once
      catchupWindow: '1 day', // a worker down overnight still gets its missed crawl
    },
    memo: { source: source.name, schedule: source.schedule, catalog: config.catalog },
  };
}

export interface SyncResult {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

/** Transient server errors are retried (see temporal-retry.ts); `onRetry` hears of each retried call. */
export async function syncSchedules(client: Client, db: Knex, config: LakeConfig, opts: { onRetry?: (what: string) => void } = {}): Promise<SyncResult> {
  const result: SyncResult = { created: [], updated: [], deleted: [], unchanged: [] };
  const retryTransient = <T>(what: string, call: () => Promise<T>) => retrying(what, call, { onRetry: () => opts.onRetry?.(what) });
  const sources = (await listSources(db)).filter((s) => s.enabled && s.kind !== 'logical'); // a logical source is crawled with its stream
  const wanted = new Set(sources.map((s) => crawlScheduleId(config.catalog, s.name)));
  const prefix = crawlSchedulePrefix(config.catalog);
  const legacyKey = legacyCatalogKey(config);

  const listed = await retryTransient('list schedules', async () => {
    const ours: string[] = [];
    const legacy = new Map<string, { paused: boolean; note?: string }>(); // by source name
    for await (const s of client.schedule.list()) {
      if (s.scheduleId.startsWith(prefix)) ours.push(s.scheduleId);
      else if (s.scheduleId.startsWith(LEGACY_IDS.crawlSchedulePrefix) && s.memo?.catalog === legacyKey) {
        legacy.set(s.scheduleId.slice(LEGACY_IDS.crawlSchedulePrefix.length), { paused: s.state.paused, note: s.state.note });
      }
    }
    return { ours, legacy };
  });

  for (const source of sources) {
    const options = scheduleOptionsOf(source, config);
    const handle = client.schedule.getHandle(options.scheduleId);
    let current;
    try {
      current = await retryTransient(`describe schedule ${options.scheduleId}`, () => handle.describe());
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) throw e;
    }
    if (!current) {
      // a schedule this catalog made under the old id keeps its pause state (a person set it) in the new one
      const legacy = listed.legacy.get(source.name);
      await retryTransient(`create schedule ${options.scheduleId}`, () => client.schedule.create(legacy ? { ...options, state: legacy } : options));
      result.created.push(source.name);
      continue;
    }
    // the server answers cron as calendars: compare what we wrote in the memo, and the action itself
    const action = current.action.type === 'startWorkflow' ? current.action : undefined;
    const same =
      current.memo?.schedule === source.schedule &&
      current.memo?.catalog === config.catalog &&
      action?.taskQueue === config.temporal.taskQueue &&
      JSON.stringify(action?.args) === JSON.stringify(options.action.args);
    if (same) {
      result.unchanged.push(source.name);
      continue;
    }
    // keep the pause state a person may have set from the UI
    await retryTransient(`update schedule ${options.scheduleId}`, () =>
      handle.update((prev) => ({ ...prev, spec: options.spec, action: options.action, policies: { ...prev.policies, ...options.policies } })),
    );
    // the memo cannot be updated in place; it only serves the comparison above, so recreate when it is stale
    if (current.memo?.schedule !== source.schedule || current.memo?.catalog !== config.catalog) {
      await retryTransient(`delete schedule ${options.scheduleId}`, () => handle.delete());
      await retryTransient(`create schedule ${options.scheduleId}`, () => client.schedule.create(options));
    }
    result.updated.push(source.name);
  }

  // this catalog's schedules no source wants any more, and every one it made under the old ids (replaced above)
  const stale = [
    ...listed.ours.filter((id) => !wanted.has(id)).map((id) => ({ id, source: id.slice(prefix.length) })),
    ...[...listed.legacy.keys()].map((source) => ({ id: `${LEGACY_IDS.crawlSchedulePrefix}${source}`, source })),
  ];
  for (const { id, source } of stale) {
    try {
      await retryTransient(`delete schedule ${id}`, () => client.schedule.getHandle(id).delete());
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) throw e; // deleted since it was listed
    }
    // a legacy schedule replaced by its source's new one is not a deletion of that source's schedule
    if (!wanted.has(crawlScheduleId(config.catalog, source))) result.deleted.push(source);
  }
  return result;
}
