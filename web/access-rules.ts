// What the viewer is to a source: its owners, the level the viewer holds, and whether the viewer may
// operate it (crawl, edit, activate, approve: governance/authority.ts decides).
import type { Source } from '../crawl/source';
import { viewerLevel } from '../db/access-views';
import { ownersOf } from '../db/owners';
import { hasLogicalSources } from '../db/sources';
import { may } from '../governance/authority';
import type { AccessLevelId } from '../governance/levels';
import type { Viewer } from './identity';
import type { WebDeps } from './server';

export async function ownersAndLevel(deps: WebDeps, viewer: Viewer | null, s: Source): Promise<{ owners: string[]; viewerLevel: AccessLevelId | null; canOperate: boolean; isStream: boolean }> {
  const [owners, level, isStream] = await Promise.all([
    ownersOf(deps.db, s.id),
    viewer ? viewerLevel(deps.db, s.id, { name: viewer.name, kind: viewer.kind }) : null,
    s.kind !== 'logical' && hasLogicalSources(deps.db, s.id),
  ]);
  return { owners, viewerLevel: level?.id ?? null, canOperate: may(viewer, 'edit-metadata', { owners }), isStream };
}

export async function mayOperate(deps: WebDeps, viewer: Viewer, s: Source, action: 'crawl' | 'activate' | 'edit-metadata'): Promise<boolean> {
  return may(viewer, action, { owners: await ownersOf(deps.db, s.id) });
}
