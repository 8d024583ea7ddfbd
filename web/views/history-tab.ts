// The History tab: every schema version on a timeline, the diff between any two of them (breaking changes
// marked), and per-field blame: which version and which file introduced each field of the newest schema.
import type { DiffLine, SourceHistory } from '../../db/metadata';
import { html, raw, urlPart, type Html } from '../html';
import { clipped, count, fileLine, when } from './format';
import type { TabContext } from './tab-context';

export function renderHistoryTab(h: SourceHistory, ctx: TabContext): Html {
  if (h.versions.length === 0) {
    return html`<section class="tab tab-history" id="tab-history"><p class="empty">No schema version yet: the source has not been crawled.</p></section>`;
  }
  return html`<section class="tab tab-history" id="tab-history">
<h3>Versions</h3>
${timeline(h, ctx)}
<h3>Changes between two versions</h3>
${h.versions.length < 2 ? html`<p class="empty">One version only: nothing to compare yet.</p>` : html`${pairForm(h, ctx)}${h.diff && diffTable(h.diff)}`}
<h3>Where each field comes from</h3>
${blameTable(h)}
</section>`;
}

function timeline(h: SourceHistory, ctx: TabContext): Html {
  const newest = h.versions[h.versions.length - 1].version;
  // newest first: what changed last is what people come for
  const items = [...h.versions].reverse().map((v, i, all) => {
    const older = all[i + 1];
    const cls = v.change === 'breaking' ? 'breaking' : v.change === 'additive' ? 'additive' : 'initial';
    const compare = older && html` <a class="compare" href="${historyUrl(ctx, older.version, v.version)}" hx-get="${historyUrl(ctx, older.version, v.version)}" hx-target="#tab-history" hx-swap="outerHTML">changes from v${older.version}</a>`;
    return html`<li class="version ${cls}"><span class="v">v${v.version}</span>${v.version === newest && raw(' <span class="badge">current</span>')} <span class="change ${cls}">${v.change}</span> <time datetime="${v.createdAt}">${when(v.createdAt)}</time>, ${count(v.changes)} change${v.changes === 1 ? '' : 's'}, ${count(v.columns)} column${v.columns === 1 ? '' : 's'}${v.runId !== null && html`, run ${v.runId}`}${compare}</li>`;
  });
  return html`<ol class="timeline">${items}</ol>`;
}

function historyUrl(ctx: TabContext, from: number, to: number): string {
  return `/sources/${urlPart(ctx.source)}/history?from=${urlPart(String(from))}&to=${urlPart(String(to))}`;
}

function pairForm(h: SourceHistory, ctx: TabContext): Html {
  const action = `/sources/${urlPart(ctx.source)}/history`;
  const from = h.diff?.from ?? h.versions[h.versions.length - 2].version;
  const to = h.diff?.to ?? h.versions[h.versions.length - 1].version;
  const options = (selected: number) =>
    [...h.versions].reverse().map((v) => html`<option value="${v.version}"${v.version === selected && raw(' selected')}>v${v.version} (${v.change}, ${when(v.createdAt)})</option>`);
  return html`<form class="version-pair" method="get" action="${action}" hx-get="${action}" hx-target="#tab-history" hx-swap="outerHTML">
<label>From <select name="from">${options(from)}</select></label>
<label>to <select name="to">${options(to)}</select></label>
<button type="submit">Compare</button>
</form>`;
}

function diffTable(diff: NonNullable<SourceHistory['diff']>): Html {
  const { from, to, lines } = diff;
  const direction =
    from === to
      ? html`v${from} with itself: the same version.`
      : from < to
        ? html`From v${from} (older) to v${to} (newer).`
        : html`From v${from} (newer) back to v${to} (older): the changes that turn v${from} into v${to}, so what v${from} added reads as removed; “forced by” names files of v${to}.`;
  const breaking = lines.filter((l) => l.change === 'breaking').length;
  const summary =
    lines.length === 0
      ? html`No changes.`
      : html`${count(lines.length)} change${lines.length === 1 ? '' : 's'}, ${breaking > 0 ? html`<strong class="breaking">${count(breaking)} breaking</strong>` : 'none breaking'}.`;
  return html`<p class="diff-summary">${direction} ${summary}</p>
${lines.length > 0 && html`<table class="diff">
<thead><tr><th scope="col">Change</th><th scope="col">Operation</th><th scope="col">Field</th><th scope="col">From</th><th scope="col"></th><th scope="col">To</th><th scope="col">Forced by</th></tr></thead>
<tbody>${lines.map(diffRow)}</tbody>
</table>`}`;
}

function diffRow(l: DiffLine): Html {
  const cls = l.change === 'breaking' ? 'breaking' : 'additive';
  return html`<tr class="${cls}"><td><span class="change ${cls}">${l.change === 'breaking' ? '⚠ breaking' : 'additive'}</span></td><td>${l.op}</td><th scope="row"><code>${clipped(l.path, 80)}</code></th><td><code>${l.from !== undefined ? clipped(l.from, 60) : ''}</code></td><td aria-hidden="true">${
    (l.from !== undefined || l.to !== undefined) && '→'
  }</td><td><code>${l.to !== undefined ? clipped(l.to, 60) : ''}</code></td><td class="provenance">${l.file !== undefined && html`<code>${clipped(fileLine({ file: l.file, line: l.line }), 80)}</code>`}</td></tr>`;
}

function blameTable(h: SourceHistory): Html {
  if (h.blame.length === 0) return html`<p class="empty">The newest version has no fields.</p>`;
  const first = h.versions[0].version;
  return html`<table class="blame">
<thead><tr><th scope="col">Field</th><th scope="col">Since</th><th scope="col">Introduced by</th></tr></thead>
<tbody>${h.blame.map(
    (b) =>
      html`<tr${b.version === first && raw(' class="since-first"')}><th scope="row"><code>${clipped(b.path, 80)}</code></th><td>v${b.version}${b.createdAt !== undefined && html` <time datetime="${b.createdAt}">${when(b.createdAt)}</time>`}${
        b.version === first && raw(' <span class="note">(the first version)</span>')
      }</td><td class="provenance">${b.provenance && html`<code>${clipped(fileLine(b.provenance), 80)}</code>`}</td></tr>`,
  )}</tbody>
</table>`;
}
