// What a workflow's chain of runs (first run, then each run it continued as new into) weighs in Temporal:
// events per run and the largest payload any event carries. For the scale benchmark and its test.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface ChainFacts {
  runs: number;
  eventsPerRun: number[];
  /** The largest single payload (data and metadata), in bytes, and the event type that carried it. */
  largestPayload: { bytes: number; eventType: string };
  activities: Record<string, number>; // activity tasks scheduled, by type, over the chain
}

type Event = temporal.api.history.v1.IHistoryEvent;

function payloadSizes(node: unknown, out: number[]): void {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const payloads = (node as { payloads?: unknown }).payloads;
  if (Array.isArray(payloads)) {
    for (const p of payloads as { data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null }[]) {
      let n = p.data?.length ?? 0;
      for (const [k, v] of Object.entries(p.metadata ?? {})) n += k.length + (v?.length ?? 0);
      out.push(n);
    }
  }
  for (const value of Object.values(node)) payloadSizes(value, out);
}

export async function chainFacts(client: Client, workflowId: string, firstRunId: string): Promise<ChainFacts> {
  const facts: ChainFacts = { runs: 0, eventsPerRun: [], largestPayload: { bytes: 0, eventType: '' }, activities: {} };
  for (let runId: string | undefined = firstRunId; runId !== undefined; ) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: Event[] = history.events ?? [];
    facts.runs += 1;
    facts.eventsPerRun.push(events.length);
    runId = undefined;
    for (const e of events) {
      const sizes: number[] = [];
      payloadSizes(e, sizes);
      for (const n of sizes) if (n > facts.largestPayload.bytes) facts.largestPayload = { bytes: n, eventType: temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType) };
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) facts.activities[type] = (facts.activities[type] ?? 0) + 1;
      const next = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) runId = next;
    }
  }
  return facts;
}

/** Where a workflow run's time went, from its history: for each activity type, the seconds from the
 *  first one scheduled to the last one closed, and the run's whole span (start to close). */
export async function activitySpans(client: Client, workflowId: string, runId?: string): Promise<{ total: number; spans: Record<string, number> }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events: Event[] = history.events ?? [];
  const at = (e: Event) => {
    const t = e.eventTime as { seconds?: number | Long | null; nanos?: number | null } | null | undefined;
    return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  };
  const typeOf = new Map<string, string>(); // scheduled event id → activity type
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name) {
      const type = scheduled.activityType.name;
      typeOf.set(String(e.eventId), type);
      if (!first.has(type)) first.set(type, at(e));
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    const type = closed ? typeOf.get(String(closed.scheduledEventId)) : undefined;
    if (type) last.set(type, at(e));
  }
  const spans: Record<string, number> = {};
  for (const [type, t0] of first) spans[type] = ((last.get(type) ?? t0) - t0) / 1000;
  const total = events.length > 0 ? (at(events.at(-1)!) - at(events[0]!)) / 1000 : 0;
  return { total, spans };
}
