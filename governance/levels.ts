// The access levels and the rules of access requests and grant deadlines, in one place. Pure: no I/O,
// no clock (callers pass `now`), so the CLI, the activities and the workflow share the same answers.

export type AccessLevelId = 'A-1' | 'A-2' | 'A-3' | 'A-4' | 'A-5';

export interface AccessLevel {
  id: AccessLevelId;
  title: string;
  description: string;
  /** The longest period one request (or the extensions of its grant) may cover. */
  maxDays: number;
  /** The catalog shows sample rows to the holder. */
  samplesVisible: boolean;
  /** Columns tagged as identifying (names, e-mails, ids of people) are visible to the holder. */
  identifiedColumnsVisible: boolean;
  /** What the grant gives in the Hive Metastore on the object its level reads. */
  metastorePrivileges: readonly string[];
  /** The published view the level reads instead of the table (governance/level-views.ts): identifying
   *  values hashed, or identifying columns left out. */
  view?: 'deidentified' | 'no_identifying';
  /** The holder reads the table's files with their own S3 key (governance/storage-policy.ts). */
  readsFiles: boolean;
}

export const ACCESS_LEVELS: Readonly<Record<AccessLevelId, AccessLevel>> = {
  'A-1': {
    id: 'A-1',
    title: 'metadata',
    description: 'metadata only: schema, partitions, volumes, lineage; no data',
    maxDays: 365,
    samplesVisible: false,
    identifiedColumnsVisible: false,
    metastorePrivileges: [],
    readsFiles: false,
  },
  'A-2': {
    id: 'A-2',
    title: 'samples',
    description: 'metadata and sample rows shown by the catalog (identified columns masked); no table access',
    maxDays: 180,
    samplesVisible: true,
    identifiedColumnsVisible: false,
    metastorePrivileges: [],
    readsFiles: false,
  },
  'A-3': {
    id: 'A-3',
    title: 'read de-identified',
    description: 'read the view <table>__deidentified: identifying columns replaced by a keyed hash (joinable, not reversible); no file access',
    maxDays: 90,
    samplesVisible: true,
    identifiedColumnsVisible: false,
    metastorePrivileges: ['SELECT'],
    view: 'deidentified',
    readsFiles: false,
  },
  'A-4': {
    id: 'A-4',
    title: 'read',
    description: 'read the view <table>__no_identifying: the table without its identifying columns; no file access',
    maxDays: 60,
    samplesVisible: true,
    identifiedColumnsVisible: false,
    metastorePrivileges: ['SELECT'],
    view: 'no_identifying',
    readsFiles: false,
  },
  'A-5': {
    id: 'A-5',
    title: 'read identified',
    description: 'read the table including identifying columns, in engines and with the holder\'s own S3 key',
    maxDays: 30,
    samplesVisible: true,
    identifiedColumnsVisible: true,
    metastorePrivileges: ['SELECT'],
    readsFiles: true,
  },
};

export const LEVEL_IDS = Object.keys(ACCESS_LEVELS) as AccessLevelId[];

export function levelOf(id: string): AccessLevel | undefined {
  return Object.prototype.hasOwnProperty.call(ACCESS_LEVELS, id) ? ACCESS_LEVELS[id as AccessLevelId] : undefined;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_WARN_BEFORE_DAYS = 3;

export type PrincipalKind = 'user' | 'group';

export interface PrincipalRef {
  name: string;
  kind: PrincipalKind;
}

export interface GovernanceProblem {
  field: string;
  reason: string;
}

const PRINCIPAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/;

export function principalProblems(p: { name?: unknown; kind?: unknown }, field = 'principal'): GovernanceProblem[] {
  const problems: GovernanceProblem[] = [];
  if (typeof p.name !== 'string' || !PRINCIPAL_NAME.test(p.name)) {
    problems.push({ field: `${field}.name`, reason: `${JSON.stringify(p.name)} is not a principal name (1-200 of letters, digits . _ @ -, starting with a letter or digit)` });
  }
  if (p.kind !== 'user' && p.kind !== 'group') {
    problems.push({ field: `${field}.kind`, reason: `${JSON.stringify(p.kind)} is neither user nor group` });
  }
  return problems;
}

export interface AccessRequestInput {
  principal: { name: string; kind: string };
  source: string;
  level: string;
  days: number;
  reason: string;
  requestedBy: string;
}

/** What is wrong with a request before anything is looked up; an empty list means well-formed. */
export function validateAccessRequest(r: AccessRequestInput): GovernanceProblem[] {
  const problems = principalProblems(r.principal);
  if (typeof r.source !== 'string' || r.source.trim() === '') problems.push({ field: 'source', reason: 'name the source' });
  const level = levelOf(r.level);
  if (!level) problems.push({ field: 'level', reason: `unknown level ${JSON.stringify(r.level)} (one of ${LEVEL_IDS.join(', ')})` });
  if (!Number.isInteger(r.days) || r.days < 1) {
    problems.push({ field: 'days', reason: `${JSON.stringify(r.days)} is not a whole number of days, at least 1` });
  } else if (level && r.days > level.maxDays) {
    problems.push({ field: 'days', reason: `${r.days} days is above the maximum of ${level.maxDays} for ${level.id} (${level.title})` });
  }
  if (typeof r.reason !== 'string' || r.reason.trim().length < 3) problems.push({ field: 'reason', reason: 'say why access is needed' });
  else if (r.reason.length > 2000) problems.push({ field: 'reason', reason: 'at most 2000 characters' });
  if (typeof r.requestedBy !== 'string' || !PRINCIPAL_NAME.test(r.requestedBy)) problems.push({ field: 'requestedBy', reason: `${JSON.stringify(r.requestedBy)} is not a name` });
  return problems;
}

// --- deadlines ------------------------------------------------------------------------------------

/** The deadlines of a grant approved at `approvedAt` (ms). `dayMs` is a day's length: tests shorten it. */
export function grantDeadlines(level: AccessLevel, days: number, approvedAt: number, dayMs = DAY_MS, warnBeforeDays = DEFAULT_WARN_BEFORE_DAYS) {
  return {
    expiresAt: approvedAt + days * dayMs,
    maxExpiresAt: approvedAt + level.maxDays * dayMs,
    warnBeforeMs: warnBeforeDays * dayMs,
  };
}

/** When the holder is warned: a configurable time before expiry (never before `from`, the grant's start). */
export function warningTime(expiresAt: number, warnBeforeMs: number, from = -Infinity): number {
  return Math.max(expiresAt - warnBeforeMs, from);
}

export type GrantStatus = 'pending' | 'active' | 'expired' | 'revoked';

export interface ExtendCheck {
  until: number; // the new expiry, ms
  now: number;
  status: GrantStatus | 'expiring' | 'revoking';
  maxExpiresAt: number; // approval + the level's maximum
}

/** Why an extension is refused, or undefined when it is allowed. */
export function extendProblem(c: ExtendCheck): string | undefined {
  if (!Number.isFinite(c.until)) return '"until" is not a date';
  if (c.status !== 'active') return `the grant is ${c.status}, not active: request access again`;
  if (c.until <= c.now) return `"until" (${new Date(c.until).toISOString()}) is not in the future`;
  if (c.until > c.maxExpiresAt) {
    return `"until" (${new Date(c.until).toISOString()}) is beyond the level's maximum period (at most ${new Date(c.maxExpiresAt).toISOString()})`;
  }
  return undefined;
}

/** A grant as far as the metastore privileges it holds are concerned. */
export interface HeldPrivileges {
  id: number;
  principal: PrincipalRef | { name: string; kind: string };
  table: { database: string; table: string };
  privileges: readonly string[];
}

/** What each of `ending` may take back, in order: its privileges that no grant of `staying` (live, not
 *  ending) of the same principal on the same table still needs. A user holding two grants on one view
 *  keeps SELECT while one of them lives; two of its grants ending together both give it up. */
export function privilegesToTakeBack(ending: readonly HeldPrivileges[], staying: readonly HeldPrivileges[]): string[][] {
  const key = (g: HeldPrivileges) => JSON.stringify([g.principal.kind, g.principal.name, g.table.database, g.table.table]);
  const endingIds = new Set(ending.map((g) => g.id));
  const needed = new Map<string, Set<string>>();
  for (const o of staying) {
    if (endingIds.has(o.id)) continue;
    const k = key(o);
    const set = needed.get(k) ?? new Set<string>();
    for (const p of o.privileges) set.add(p.toUpperCase());
    needed.set(k, set);
  }
  return ending.map((g) => {
    const kept = needed.get(key(g));
    return kept ? g.privileges.filter((p) => !kept.has(p.toUpperCase())) : [...g.privileges];
  });
}

export class GovernanceError extends Error {
  constructor(
    message: string,
    readonly problems: GovernanceProblem[] = [],
  ) {
    super(problems.length ? `${message}:\n${problems.map((p) => `  - ${p.field}: ${p.reason}`).join('\n')}` : message);
    this.name = 'GovernanceError';
  }
}

/** The highest of the levels a principal holds (A-5 above A-1), or null when it holds none. */
export function highestLevel(held: readonly AccessLevelId[]): AccessLevel | null {
  if (held.length === 0) return null;
  return ACCESS_LEVELS[[...held].sort().pop()!];
}

/** What a viewer may see of a source's samples: none without a level that shows samples. Identifying
 *  columns are masked for everyone: the catalog keeps none of their values (db/identifying.ts).
 *  `undefined` is the operator's view (the CLI without --as), which sees the masked samples. */
export function visibleSamples<T>(samples: readonly T[], level: AccessLevel | null | undefined): T[] {
  if (level === null || (level && !level.samplesVisible)) return [];
  return [...samples];
}
