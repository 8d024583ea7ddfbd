// The Schema tab: the source's columns as a tree with their Hive types, roles, tags (the crawl's suggestions
// marked, with why), descriptions, statistics and the file:line that forced each type. Owners edit a
// column's description, tags and role in its row; the row is what the edit returns, so htmx swaps it alone.
import { ROLES, type ColumnView, type SourceDescription } from '../../db/metadata';
import { MASK } from '../../schema/identifying';
import { html, raw, urlPart, type Html } from '../html';
import { clipped, count, fileLine } from './format';
import type { TabContext } from './tab-context';

/** Deeper than this, rows indent no further (the CSS has a class per depth up to it). */
const MAX_INDENT = 8;

export function renderSchemaTab(d: SourceDescription, ctx: TabContext): Html {
  if (d.columns.length === 0) {
    return html`<section class="tab tab-schema" id="tab-schema"><p class="empty">No schema yet: the source has not been crawled, or its crawls found no records.</p></section>`;
  }
  const suggested = d.columns.filter((c) => c.suggestion).length;
  return html`<section class="tab tab-schema" id="tab-schema">
<p class="tab-summary">Schema version ${d.schemaVersion ?? '-'}, ${count(d.columns.length)} column${d.columns.length === 1 ? '' : 's'}${
    suggested > 0 && html`; ${count(suggested)} suggested tag${suggested === 1 ? '' : 's'} (marked <span class="tag suggested">?</span>, hover for why)`
  }.</p>
<table class="schema">
<thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Role</th><th scope="col">Tags</th><th scope="col">Description</th><th scope="col" class="num">Nulls</th><th scope="col" class="num">Distinct</th><th scope="col">Min</th><th scope="col">Max</th><th scope="col">Forced by</th>${
    ctx.canEdit && raw('<th scope="col">Edit</th>')
  }</tr></thead>
<tbody>
${d.columns.map((c) => renderColumnRow(c, ctx))}
</tbody>
</table>
</section>`;
}

/** One column's row: what the column edit and accept-tags posts return for htmx to swap in place. */
export function renderColumnRow(c: ColumnView, ctx: TabContext): Html {
  const depth = Math.min(Math.max(0, c.depth), MAX_INDENT);
  return html`<tr class="column${c.suggestion ? ' has-suggestion' : ''}" data-path="${c.path}">
<th scope="row" class="name d${depth}" title="${c.path}">${c.depth > 0 && raw('<span class="branch" aria-hidden="true">└ </span>')}${clipped(c.name, 60)}</th>
<td class="type"><code>${clipped(c.type, 48)}</code></td>
<td class="role">${c.role ? html`<span class="role">${c.role}</span>` : ''}</td>
<td class="tags">${c.tags.map((t) => html`<span class="tag">${t}</span> `)}${c.suggestion && suggestionOf(c, ctx)}</td>
<td class="description">${c.description ? clipped(c.description, 200) : ''}</td>
${stats(c)}
<td class="provenance">${c.provenance ? html`<code>${clipped(fileLine(c.provenance), 80)}</code>` : ''}</td>
${ctx.canEdit && html`<td class="edit">${editForm(c, ctx)}</td>`}
</tr>`;
}

function suggestionOf(c: ColumnView, ctx: TabContext): Html {
  const s = c.suggestion!;
  const why = `suggested by the crawl: ${s.evidence.join('; ') || 'no evidence recorded'}`;
  const action = `/sources/${urlPart(ctx.source)}/columns/accept-tags`;
  return html`<span class="tag suggested" title="${why}">${s.tag}?</span>${
    ctx.canEdit &&
    html` <form class="inline accept" method="post" action="${action}" hx-post="${action}" hx-target="closest tr" hx-swap="outerHTML"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="path" value="${c.path}"><button type="submit" title="tag ${c.path} as ${s.tag}">accept</button></form>`
  }`;
}

function stats(c: ColumnView): Html {
  const s = c.stats;
  if (!s) return raw('<td class="num"></td><td class="num"></td><td class="min"></td><td class="max"></td>');
  const basis = `from ${count(s.basisRecords)} record${s.basisRecords === 1 ? '' : 's'}`;
  return html`<td class="num" title="${basis}">${percent(s.nullFraction)}</td><td class="num" title="${basis}">~${count(s.distinctEstimate)}</td><td class="min">${value(s.min)}</td><td class="max">${value(s.max)}</td>`;
}

function value(v: string | undefined): Html | string {
  if (v === undefined) return '';
  if (v === MASK) return html`<span class="masked" title="an identifying column: the catalog keeps none of its values">${MASK}</span>`;
  return html`<code>${clipped(v, 40)}</code>`;
}

function percent(f: number): string {
  if (f <= 0) return '0%';
  if (f < 0.001) return '<0.1%';
  if (f >= 1) return '100%';
  return `${(f * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

function editForm(c: ColumnView, ctx: TabContext): Html {
  const action = `/sources/${urlPart(ctx.source)}/columns`;
  return html`<details class="edit-column"><summary>edit</summary>
<form class="column-edit" method="post" action="${action}" hx-post="${action}" hx-target="closest tr" hx-swap="outerHTML">
<input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="path" value="${c.path}">
<label>Description <textarea name="description" rows="2" maxlength="2000">${c.description ?? ''}</textarea></label>
<label>Add tags <input type="text" name="tags" value="" placeholder="comma-separated: a-z 0-9 _ -" autocomplete="off"></label>
<label>Role <select name="role"><option value=""${!c.role && raw(' selected')}>(no role)</option>${ROLES.map(
    (r) => html`<option value="${r}"${c.role === r && raw(' selected')}>${r}</option>`,
  )}</select></label>
<button type="submit">Save</button>
</form></details>`;
}
