// The pure planning of an S3 crawl: which keys are data (globs, format), which partition each belongs to,
// which prefixes to list, what changed since the manifest, whether a listing may delete, how to batch.
// No I/O: the activities list and read through adapters/s3-objects.ts and hand the results here.
// Everything returned is plain data (JSON-serialisable) except the glob matcher and `ListingPlan.select`.
// What a partition is (its keys, values, days and order) is crawl/partitions.ts's.
import { comparePartitionPaths, datePatternProblem, partitionDays, partitionOfDirectories, type PartitionLayout } from './partitions';


// ---- globs -----------------------------------------------------------------------------------------

/**
 * Skipped unless asked for: what Hadoop-based engines never read either (FileInputFormat hides every path
 * segment that starts with '_' or '.': _SUCCESS, _temporary/, .part-0.crc, _committed_*), plus *.crc.
 */
export const DEFAULT_EXCLUDES: readonly string[] = ['**/_*', '**/_*/**', '**/.*', '**/.*/**', '**/*.crc'];

export interface GlobMatcher {
  /** `relativeKey` is the object key without the source prefix. */
  matches(relativeKey: string): boolean;
  include: string[];
  exclude: string[];
}

export interface GlobError {
  glob: string;
  error: string;
}

class GlobSyntax extends Error {}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const escapeRegex = (s: string) => s.replace(REGEX_SPECIAL, '\\$&');

/** Glob → RegExp source. `*` and `?` stay within one path segment; `**` as a whole segment spans any
 * number of them (zero included); `{a,b}` nests; `[a-z]`, `[!x]`/`[^x]` never match '/'; `\` escapes. */
function globSource(glob: string): string {
  let i = 0;
  const atBoundary = (j: number) => j < 0 || '/{,'.includes(glob[j]!);
  const parseSequence = (inBrace: boolean): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i]!;
      if (inBrace && (c === ',' || c === '}')) return out;
      if (c === '\\') {
        if (i + 1 >= glob.length) throw new GlobSyntax('ends with an escaping "\\"');
        out += escapeRegex(glob[i + 1]!);
        i += 2;
      } else if (c === '*') {
        let j = i;
        while (glob[j] === '*') j++;
        const next = glob[j];
        if (j - i >= 2 && atBoundary(i - 1) && next === '/') {
          out += '(?:[^/]*/)*';
          j++;
        } else if (j - i >= 2 && atBoundary(i - 1) && (next === undefined || (inBrace && (next === ',' || next === '}')))) {
          out += '.*';
        } else {
          out += '[^/]*';
        }
        i = j;
      } else if (c === '?') {
        out += '[^/]';
        i++;
      } else if (c === '[') {
        out += parseClass();
      } else if (c === '{') {
        const start = i;
        i++;
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(parseSequence(true));
          if (i >= glob.length) throw new GlobSyntax(`"{" at position ${start} is never closed`);
          if (glob[i] === '}') break;
          i++; // ','
        }
        i++; // '}'
        out += `(?:${alternatives.join('|')})`;
      } else if (c === '}') {
        throw new GlobSyntax(`"}" at position ${i} closes no "{"`);
      } else {
        out += escapeRegex(c);
        i++;
      }
    }
    return out;
  };
  const parseClass = (): string => {
    const start = i;
    i++;
    let negate = false;
    if (glob[i] === '!' || glob[i] === '^') {
      negate = true;
      i++;
    }
    let body = '';
    let first = true;
    for (;;) {
      if (i >= glob.length) throw new GlobSyntax(`"[" at position ${start} is never closed`);
      let c = glob[i]!;
      if (c === ']' && !first) break;
      first = false;
      if (c === '\\') {
        if (i + 1 >= glob.length) throw new GlobSyntax('ends with an escaping "\\"');
        c = glob[++i]!;
      }
      i++;
      if (glob[i] === '-' && glob[i + 1] !== undefined && glob[i + 1] !== ']') {
        let to = glob[i + 1]!;
        i += 2;
        if (to === '\\') {
          if (i >= glob.length) throw new GlobSyntax('ends with an escaping "\\"');
          to = glob[i++]!;
        }
        if (to < c) throw new GlobSyntax(`range "${c}-${to}" in "[" at position ${start} is out of order`);
        body += `${escapeClassChar(c)}-${escapeClassChar(to)}`;
      } else {
        body += escapeClassChar(c);
      }
    }
    i++; // ']'
    return negate ? `[^/${body}]` : `[${body}]`;
  };
  return parseSequence(false);
}

const escapeClassChar = (c: string) => (/[\\\]\[^-]/.test(c) ? `\\${c}` : c);

function compileGlob(glob: string): RegExp | GlobError {
  if (glob.trim() === '') return { glob, error: 'glob is empty' };
  if (glob.startsWith('/')) return { glob, error: `glob "${glob}" starts with "/": globs are relative to the source prefix` };
  try {
    return new RegExp(`^${globSource(glob)}$`, 's');
  } catch (e) {
    if (e instanceof GlobSyntax) return { glob, error: `glob "${glob}": ${e.message}` };
    return { glob, error: `glob "${glob}" cannot be compiled (${(e as Error).message})` };
  }
}

/**
 * A key (relative to the source prefix) is read when it matches some include glob (or there are none)
 * and no exclude glob, the DEFAULT_EXCLUDES included unless `defaultExcludes: false`. Matching is
 * case-sensitive, like S3 keys, and covers the whole relative key. The first bad glob is the error.
 */
export function compileGlobs(
  include: readonly string[],
  exclude: readonly string[],
  options: { defaultExcludes?: boolean } = {},
): GlobMatcher | GlobError {
  const allExcludes = [...(options.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...exclude];
  const compiled = { include: [] as RegExp[], exclude: [] as RegExp[] };
  for (const [list, globs] of [
    ['include', include],
    ['exclude', allExcludes],
  ] as const) {
    for (const glob of globs) {
      const re = compileGlob(glob);
      if (!(re instanceof RegExp)) return re;
      compiled[list].push(re);
    }
  }
  return {
    include: [...include],
    exclude: allExcludes,
    matches(relativeKey: string): boolean {
      if (compiled.include.length > 0 && !compiled.include.some((re) => re.test(relativeKey))) return false;
      return !compiled.exclude.some((re) => re.test(relativeKey));
    },
  };
}

// ---- bookkeeping -----------------------------------------------------------------------------------

export interface ObjectInfo {
  key: string;
  etag: string; // without quotes
  size: number;
  lastModified: string; // ISO 8601
}

/** What classification compares of a catalogued object (when it was modified plays no part). */
export type ManifestEntry = Pick<ObjectInfo, 'key' | 'etag' | 'size'> & { lastModified?: string; partition?: string };

/** The part of a source one listing saw. No `partitions`: the whole prefix was listed. */
export interface ListingScope {
  partitions?: readonly string[] | null;
}

export interface Classification<L extends ObjectInfo, M extends ManifestEntry> {
  added: L[];
  changed: L[];
  unchanged: L[];
  deleted: M[];
}

const unquote = (etag: string) => String(etag).replace(/^W\//, '').replace(/^"|"$/g, '');

/**
 * New, changed (same key, another ETag or size), unchanged and deleted objects. Deleted means: in the
 * manifest, not listed, and inside the listed scope; an object of a partition that was not listed is
 * never deleted. Sizes may come as the strings pg returns for bigint. Each list is sorted by key.
 */
export function classifyObjects<L extends ObjectInfo, M extends ManifestEntry>(
  listed: readonly L[],
  manifest: readonly M[],
  scope: ListingScope = {},
): Classification<L, M> {
  const known = new Map(manifest.map((m) => [m.key, m]));
  const seen = new Set<string>();
  const out: Classification<L, M> = { added: [], changed: [], unchanged: [], deleted: [] };
  for (const o of [...listed].sort(byKey)) {
    if (seen.has(o.key)) continue;
    seen.add(o.key);
    const m = known.get(o.key);
    if (!m) out.added.push(o);
    else if (unquote(m.etag) !== unquote(o.etag) || Number(m.size) !== Number(o.size)) out.changed.push(o);
    else out.unchanged.push(o);
  }
  const partitions = scope.partitions;
  const inScope = (m: M) => !partitions || (m.partition !== undefined && m.partition !== '' && partitions.some((p) => m.partition!.startsWith(p)));
  out.deleted = manifest.filter((m) => !seen.has(m.key) && inScope(m)).sort(byKey);
  return out;
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Manifests smaller than this may lose any share of their objects: the fail-safe is for real catalogs. */
export const DELETION_GUARD_MIN_MANIFEST = 10;

export interface DeletionRefused {
  error: string;
  manifestCount: number;
  deletedCount: number;
  threshold: number;
}

/**
 * DataHub-style fail-safe: refuse a listing that would delete more than `threshold` of a manifest of at
 * least DELETION_GUARD_MIN_MANIFEST objects (typically an empty listing of a mistyped prefix or a
 * permission change). undefined = go ahead. The caller decides whether a person forced it.
 */
export function deletionGuard(manifestCount: number, deletedCount: number, threshold = 0.5): DeletionRefused | undefined {
  if (manifestCount < DELETION_GUARD_MIN_MANIFEST || deletedCount === 0) return undefined;
  if (deletedCount / manifestCount <= threshold) return undefined;
  const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
  return {
    manifestCount,
    deletedCount,
    threshold,
    error:
      `refusing to delete ${deletedCount} of ${manifestCount} catalogued objects (${pct(deletedCount / manifestCount)}, ` +
      `more than the ${pct(threshold)} fail-safe); check the prefix and permissions, or force the crawl`,
  };
}

// ---- pruned listings -------------------------------------------------------------------------------

export interface ListingInput {
  prefix: string;
  layout: PartitionLayout;
  knownPartitions: readonly string[]; // partition paths of the manifest, relative to the prefix
  lookbackPartitions: number;
  full: boolean;
}

export type ListingPlan =
  | { full: true; why: string }
  | {
      full: false;
      /** Levels of CommonPrefixes to descend below the prefix to reach partition directories. */
      depth: number;
      /** Given the partition paths found at `depth` (relative to the prefix), the ones to list objects under. */
      select(listedPartitions: readonly string[]): string[];
    };

/**
 * Whether a crawl lists the whole prefix or only some partitions. A full listing when asked, when the
 * layout has no partitions, when no partition is known yet (first crawl) or when the known Hive paths
 * differ in depth. Otherwise see `selectPartitions`.
 */
export function planListing(input: ListingInput): ListingPlan {
  if (input.full) return { full: true, why: 'a full listing was asked for' };
  if (input.layout.kind === 'none') return { full: true, why: 'the layout has no partitions' };
  const known = input.knownPartitions.filter((p) => p !== '');
  if (known.length === 0) return { full: true, why: 'no partition is known yet' };
  const depths = new Set(known.map((p) => p.split('/').filter(Boolean).length));
  if (input.layout.kind === 'date-path') {
    const problem = datePatternProblem(input.layout.pattern);
    if (problem) return { full: true, why: problem };
    depths.add(input.layout.pattern.replace(/\/+$/, '').split('/').length);
  }
  if (depths.size !== 1) return { full: true, why: 'known partitions differ in depth' };
  const [depth] = [...depths] as [number];
  const options = { layout: input.layout, knownPartitions: known, lookbackPartitions: input.lookbackPartitions };
  return { full: false, depth, select: (listed) => selectPartitions(listed, options) };
}

/**
 * The partitions to list objects under, oldest first: every listed partition never seen before, the
 * newest `lookbackPartitions` of those listed and already known (late files land in recent partitions),
 * and every known partition that was not listed (it vanished: listing it finds nothing, so its objects
 * are classified as deleted). Listed paths that are not partitions of the layout (e.g. `_temporary/`)
 * are left out. Paths are relative to the prefix and end with '/'.
 */
export function selectPartitions(
  listed: readonly string[],
  options: { layout: PartitionLayout; knownPartitions: readonly string[]; lookbackPartitions: number },
): string[] {
  const isPartition = (p: string) => {
    const dirs = p.split('/').filter(Boolean);
    return dirs.length > 0 && !('reason' in partitionOfDirectories(dirs, options.layout));
  };
  const present = new Set(listed.filter(isPartition));
  const known = new Set(options.knownPartitions);
  const fresh = [...present].filter((p) => !known.has(p));
  const knownPresent = [...present].filter((p) => known.has(p)).sort(comparePartitionPaths);
  const lookback = options.lookbackPartitions > 0 ? knownPresent.slice(-options.lookbackPartitions) : [];
  const vanished = [...known].filter((p) => p !== '' && !present.has(p));
  return [...new Set([...fresh, ...lookback, ...vanished])].sort(comparePartitionPaths);
}

// ---- backfills ------------------------------------------------------------------------------------

/**
 * The objects a backfill of `range` (days yyyy-MM-dd, inclusive) re-reads: those of the partitions that
 * cover a day of it, whatever their layout calls the date (see `partitionDays`). A source whose partitions
 * hold no date cannot be backfilled by dates: that is an error, not an empty plan.
 */
export function planBackfill<T extends { partition: string; keys: readonly string[]; values: readonly string[] }>(
  objects: readonly T[],
  range: { from: string; to: string },
): { objects: T[]; partitions: string[] } | { error: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(range.from) || !day.test(range.to)) return { error: `a backfill of S3 partitions takes dates yyyy-MM-dd, got ${range.from}..${range.to}` };
  const dated = objects.map((o) => ({ o, days: partitionDays(o.keys, o.values) }));
  if (dated.length > 0 && dated.every((d) => d.days === undefined)) {
    const keys = objects[0]!.keys;
    return { error: `its partitions hold no date (${keys.length ? `partitioned by ${keys.join(', ')}` : 'it has no partitions'}): a backfill reads the partitions of a date range; crawl it with --full instead` };
  }
  const selected = dated.filter(({ days }) => days !== undefined && days.first <= range.to && days.last >= range.from).map(({ o }) => o);
  return { objects: selected, partitions: [...new Set(selected.map((o) => o.partition))] };
}

// ---- batches ---------------------------------------------------------------------------------------

/** The least a batch holds when a crawl is spread over more batches: below it, a batch's fixed cost (its
 *  activity, catalog reads and result write, ~30 ms) is no longer small beside its scan (~0.2 s). */
export const MIN_SPREAD_BYTES = 16 * 1024 * 1024;

/**
 * How many batches a crawl of `totalBytes` should make at least: as many as it infers at once (`window`),
 * so that a crawl of a few hundred MB keeps every slot busy (two in one inference process, the rest in
 * others) instead of reading all its objects in one batch; fewer for a small crawl (MIN_SPREAD_BYTES each).
 */
export function spreadOver(totalBytes: number, window: number): number {
  return Math.max(1, Math.min(window, Math.floor(totalBytes / MIN_SPREAD_BYTES)));
}

/**
 * Objects in batches of at most `maxObjects` objects and `maxBytes` bytes (an object larger than
 * `maxBytes` gets a batch of its own), and in at least `atLeast` batches of about equal bytes when the
 * objects allow it (an object goes to the batch its middle byte falls in). Sorted by key first, so the
 * same objects always make the same batches, whatever order the listing returned them in.
 */
export function batchObjects<T extends { key: string; size: number | string }>(
  objects: readonly T[],
  limits: { maxObjects: number; maxBytes: number; atLeast?: number },
): T[][] {
  if (!Number.isInteger(limits.maxObjects) || limits.maxObjects < 1) throw new RangeError(`maxObjects must be a positive integer, got ${limits.maxObjects}`);
  if (!(limits.maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${limits.maxBytes}`);
  const sorted = [...objects].sort(byKey);
  const atLeast = limits.atLeast ?? 1;
  const total = sorted.reduce((n, o) => n + Number(o.size), 0);
  const shareBytes = atLeast > 1 && total > 0 ? total / atLeast : Infinity;
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  let before = 0; // bytes of the objects already batched
  let share = 0; // the share the current batch started in
  for (const o of sorted) {
    const size = Number(o.size);
    const itsShare = Math.floor((before + size / 2) / shareBytes); // where its middle byte falls
    if (current.length > 0 && (current.length >= limits.maxObjects || bytes + size > limits.maxBytes || itsShare > share)) {
      batches.push(current);
      current = [];
      bytes = 0;
      share = itsShare;
    }
    current.push(o);
    bytes += size;
    before += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
