// What a backfill's range may be, checked where it is asked for (the web, the workflow) and nowhere else.

/** A backfill's range: dates yyyy-MM-dd (any source), or for a Kafka topic offsets (digits) or ISO
 *  timestamps; both ends of one kind. */
export function backfillRangeProblem(from: unknown, to: unknown): string | undefined {
  const kindOf = (v: unknown): 'date' | 'time' | 'offset' | undefined => {
    if (typeof v !== 'string') return undefined;
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return Number.isNaN(Date.parse(v)) ? undefined : 'date';
    if (/^\d{4}-\d{2}-\d{2}T/.test(v)) return Number.isNaN(Date.parse(v)) ? undefined : 'time';
    return /^\d{1,19}$/.test(v) ? 'offset' : undefined;
  };
  const [a, b] = [kindOf(from), kindOf(to)];
  const expected = 'a date yyyy-MM-dd (a Kafka topic: also an offset or an ISO timestamp)';
  if (!a) return `"from" must be ${expected}, got ${JSON.stringify(from)}`;
  if (!b) return `"to" must be ${expected}, got ${JSON.stringify(to)}`;
  if (a !== b) return `"from" (${from as string}) and "to" (${to as string}) must be of one kind: dates, timestamps or offsets`;
  const after = a === 'offset' ? BigInt(from as string) > BigInt(to as string) : a === 'time' ? Date.parse(from as string) > Date.parse(to as string) : (from as string) > (to as string);
  if (after) return `"from" (${from as string}) is after "to" (${to as string})`;
  return undefined;
}

/** Whether a range is of dates (what an S3 source's partitions are backfilled by). */
export function isDateRange(range: { from: string; to: string }): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(range.from) && /^\d{4}-\d{2}-\d{2}$/.test(range.to);
}
