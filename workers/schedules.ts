// One Temporal Schedule per enabled source, kept in step with the catalog: created when missing, updated
// when its definition changed, deleted when its source is gone or disabled. The worker runs this at
// start; `lake schedules sync` runs it on demand.
import { Client, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import type { Knex } from 'knex';
import type { LakeConfig } from '../config';
import type { Source } from '../crawl/source';
import { listSources } from '../db/sources';
import { LAKE_SOURCE } from '../workflows/search-attributes';
import { retryTransient as retrying } from './temporal-retry';

export const SCHEDULE_PREFIX = 'crawl-schedule/';

export function scheduleIdOf(sourceName: string): string {
  return `${SCHEDULE_PREFIX}${sourceName}`;
}

export function crawlWorkflowIdOf(sourceName: string): string {
  return `crawl/${sourceName}`;
}

/** hourly: five past each hour; nightly: 02:00 UTC; anything else is the source's cron expression. */
export function scheduleSpecOf(schedule: string): ScheduleSpec {
  if (schedule === 'hourly') return { cronExpressions: ['5 * * * *'] };
  if (schedule === 'nightly') return { cronExpressions: ['0 2 * * *'] };
  return { cronExpressions: [schedule] };
}

/** Which catalog owns a schedule: several catalogs (a test run, a second deployment) may share a namespace,
 *  and each syncs and deletes only its own. */
export function catalogOf(config: LakeConfig): string {
  const u = new URL(config.postgres.url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

export function scheduleOptionsOf(source: Source, config: LakeConfig): ScheduleOptions {
  return {
    scheduleId: scheduleIdOf(source.name),
    spec: scheduleSpecOf(source.schedule),
    action: {
      type: 'startWorkflow',
      workflowType: 'crawlSource',
      workflowId: crawlWorkflowIdOf(source.name),
      taskQueue: config.temporal.taskQueue,
      args: [{ sourceId: source.name, inferenceTaskQueue: config.temporal.inferenceTaskQueue }],
      typedSearchAttributes: [{ key: LAKE_SOURCE, value: source.name }],
      memo: { source: source.name, kind: source.kind, format: source.kind === 's3' ? source.format : 'table' },
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP, // one source never crawls twice at once
      catchupWindow: '1 day', // a worker down overnight still gets its missed crawl
    },
    memo: { source: source.name, schedule: source.schedule, catalog: catalogOf(config) },
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
  const wanted = new Set(sources.map((s) => scheduleIdOf(s.name)));

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
      await retryTransient(`create schedule ${options.scheduleId}`, () => client.schedule.create(options));
      result.created.push(source.name);
      continue;
    }
    // the server answers cron as calendars: compare what we wrote in the memo, and the action itself
    const action = current.action.type === 'startWorkflow' ? current.action : undefined;
    const same =
      current.memo?.schedule === source.schedule &&
      current.memo?.catalog === catalogOf(config) &&
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
    if (current.memo?.schedule !== source.schedule || current.memo?.catalog !== catalogOf(config)) {
      await retryTransient(`delete schedule ${options.scheduleId}`, () => handle.delete());
      await retryTransient(`create schedule ${options.scheduleId}`, () => client.schedule.create(options));
    }
    result.updated.push(source.name);
  }

  const stale = await retryTransient('list schedules', async () => {
    const found: string[] = [];
    for await (const s of client.schedule.list()) {
      if (s.scheduleId.startsWith(SCHEDULE_PREFIX) && !wanted.has(s.scheduleId) && s.memo?.catalog === catalogOf(config)) found.push(s.scheduleId);
    }
    return found;
  });
  for (const id of stale) {
    try {
      await retryTransient(`delete schedule ${id}`, () => client.schedule.getHandle(id).delete());
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) throw e; // deleted since it was listed
    }
    result.deleted.push(id.slice(SCHEDULE_PREFIX.length));
  }
  return result;
}
