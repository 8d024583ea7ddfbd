// A principal's own catalog: the sources a user (or group) finds listed and searchable as theirs. The rule
// is written here and nowhere else, so `lake source list --as`, `lake search --as` and the web catalog agree:
//
//   A source is in a principal's catalog while the principal holds a live grant on it (pending: approved and
//   being applied; or active) approved with ENABLE CATALOG, which is the default. `lake access approve
//   --no-catalog` gives the access without the listing: the source stays out of the holder's list and search.
//   An expired or revoked grant takes the source out. Sources the principal holds nothing on are not in
//   their catalog; their metadata stays findable by everybody in the catalog-wide list and search (the same
//   commands without --as). A user's catalog holds the user's own grants only: the catalog knows no group
//   membership, so a group's grants make the group's catalog (--as NAME --group).
import type { Knex } from 'knex';
import type { AccessLevelId, PrincipalRef } from '../governance/levels';
import { findPrincipal } from './governance';
import { search, type SearchHit } from './metadata';
import { listSourceStates, type SourceState } from './sources';

/** The grant statuses that put a source in its holder's catalog. */
export const LIVE_GRANT_STATUSES = ['pending', 'active'] as const;

/** What a principal holds on a source of their catalog: the highest level among their live grants approved
 *  with ENABLE CATALOG (an active grant before a pending one of the same level). */
export interface CatalogHolding {
  grantId: number;
  sourceId: number;
  source: string;
  level: AccessLevelId;
  status: (typeof LIVE_GRANT_STATUSES)[number];
  expiresAt: Date;
}

export class UnknownPrincipalError extends Error {
  constructor(readonly principal: PrincipalRef) {
    super(`unknown ${principal.kind} "${principal.name}" (lake access principal list shows the registered ones)`);
    this.name = 'UnknownPrincipalError';
  }
}

/** The sources in `viewer`'s catalog, in source name order. An unknown principal is an error, not an
 *  empty catalog: a misspelt name must not look like a principal who holds nothing. */
export async function principalCatalog(db: Knex, viewer: PrincipalRef): Promise<CatalogHolding[]> {
  const principal = await findPrincipal(db, viewer);
  if (!principal) throw new UnknownPrincipalError(viewer);
  const rows: { id: number; source_id: number; source_name: string; level: AccessLevelId; status: CatalogHolding['status']; expires_at: Date }[] = await db
    .select('*')
    .from(
      db('grants as g')
        .join('sources as s', 's.id', 'g.source_id')
        .where('g.principal_id', principal.id)
        .where('g.enable_catalog', true)
        .whereIn('g.status', LIVE_GRANT_STATUSES)
        .distinctOn('g.source_id')
        .select('g.id', 'g.source_id', 's.name as source_name', 'g.level', 'g.status', 'g.expires_at')
        .orderByRaw(`g.source_id, g.level desc, g.status = 'active' desc, g.id desc`)
        .as('held'),
    )
    .orderBy('source_name');
  return rows.map((r) => ({ grantId: r.id, sourceId: r.source_id, source: r.source_name, level: r.level, status: r.status, expiresAt: r.expires_at }));
}

/** `listSourceStates` narrowed to the viewer's catalog, each source with what the viewer holds on it. */
export async function listCatalogSources(
  db: Knex,
  viewer: PrincipalRef,
  filter: Parameters<typeof listSourceStates>[1] = {},
): Promise<(SourceState & { held: CatalogHolding })[]> {
  const held = new Map((await principalCatalog(db, viewer)).map((h) => [h.sourceId, h]));
  if (held.size === 0) return [];
  return (await listSourceStates(db, filter)).flatMap((s) => {
    const h = held.get(s.source.id);
    return h ? [{ ...s, held: h }] : [];
  });
}

/** `search` over the viewer's catalog only (ranked and limited among those sources, not filtered after). */
export async function searchCatalog(db: Knex, viewer: PrincipalRef, words: string): Promise<(SearchHit & { held: CatalogHolding })[]> {
  const holdings = await principalCatalog(db, viewer);
  if (holdings.length === 0) return [];
  const held = new Map(holdings.map((h) => [h.source, h]));
  const hits = await search(db, words, { sourceIds: holdings.map((h) => h.sourceId) });
  return hits.map((hit) => ({ ...hit, held: held.get(hit.source)! }));
}
