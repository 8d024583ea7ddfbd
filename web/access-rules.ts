// What the viewer is to a source: its owners, the level the viewer holds, and whether the viewer may operate it.
import type { Source } from '../crawl/source';
import { activeHolders } from '../db/governance';
import { listSourceStates } from '../db/sources';
import type { AccessLevelId } from '../governance/levels';
import type { Viewer } from './identity';
import type { WebDeps } from './server';

export async function ownersAndLevel(deps: WebDeps, viewer: Viewer | null, s: Source): Promise<{ owners: string[]; viewerLevel: AccessLevelId | null; canOperate: boolean; isStream: boolean }> {
  const owners: string[] = [];
  const held = viewer ? (await activeHolders(deps.db, s.id)).filter((g) => g.principal.kind === 'user' && g.principal.name === viewer.name).map((g) => g.level) : [];
  const viewerLevel = held.length ? held.sort().at(-1)! : null;
  const isStream = s.kind !== 'logical' && (await listSourceStates(deps.db, { stream: s.name })).length > 0;
  return { owners, viewerLevel, canOperate: !!viewer && (viewer.admin || owners.includes(viewer.name)), isStream };
}

export async function mayOperate(deps: WebDeps, viewer: Viewer, s: Source): Promise<boolean> {
  return (await ownersAndLevel(deps, viewer, s)).canOperate;
}
