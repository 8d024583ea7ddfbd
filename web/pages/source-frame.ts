// What every tab of a source page shows around its content: the name, the tabs, who owns it and what the
// viewer holds and may do.
import type { FastifyRequest } from 'fastify';
import { getSource } from '../../db/sources';
import type { AccessLevelId } from '../../governance/levels';
import type { Source } from '../../crawl/source';
import { html, urlPart, type Html } from '../html';
import type { PageContext } from '../layout';
import type { WebDeps } from '../server';
import { ownersAndLevel } from '../access-rules';

export const TABS = ['info', 'schema', 'history', 'samples', 'volumes', 'access', 'logical'] as const;
export type TabId = (typeof TABS)[number];

const LABELS: Record<TabId, string> = { info: 'Info', schema: 'Schema', history: 'History', samples: 'Samples', volumes: 'Volumes', access: 'Access', logical: 'Logical sources' };

export interface SourceFrame {
  id: number;
  name: string;
  kind: Source['kind'];
  /** A logical source's stream. */
  stream?: string;
  isStream: boolean;
  tab: TabId;
  owners: string[];
  viewerLevel: AccessLevelId | null;
  /** Owners and admins: crawl, edit metadata, approve, activate. */
  canOperate: boolean;
}

export async function loadFrame(deps: WebDeps, req: FastifyRequest, name: string, tab: TabId): Promise<SourceFrame> {
  const s = await getSource(deps.db, name);
  const { owners, viewerLevel, canOperate, isStream } = await ownersAndLevel(deps, req.viewer, s);
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    ...(s.kind === 'logical' ? { stream: s.location.stream } : {}),
    isStream,
    tab,
    owners,
    viewerLevel,
    canOperate,
  };
}

export function sourceHeader(f: SourceFrame, ctx: PageContext, content: Html): Html {
  const base = `/sources/${urlPart(f.name)}`;
  const tabs = TABS.filter((t) => t !== 'logical' || f.isStream);
  return html`<article class="source" data-source="${f.name}">
<header class="source-head">
  <h1>${f.name} <span class="kind kind-${f.kind}">${f.isStream ? 'stream' : f.kind === 'logical' ? 'logical source' : f.kind}</span></h1>
  ${f.stream ? html`<p class="muted">a logical source of <a href="/sources/${urlPart(f.stream)}">${f.stream}</a></p>` : ''}
  <p class="held">${ctx.viewer ? (f.viewerLevel ? html`You hold <strong>${f.viewerLevel}</strong>.` : html`You hold no access. <a class="button" href="/access/request?source=${urlPart(f.name)}">Request access</a>`) : ''}${f.canOperate ? html` <span class="badge">you own this</span>` : ''}</p>
</header>
<nav class="tabs" hx-boost="true">${tabs.map((t) => html`<a href="${t === 'info' ? base : `${base}/${t}`}"${t === f.tab ? html` aria-current="page"` : ''}>${LABELS[t]}</a>`)}</nav>
<div class="tab-body">${content}</div>
</article>`;
}
