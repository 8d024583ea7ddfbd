// The Samples tab: the sample records the catalog keeps, shown only to a viewer whose grant shows samples
// (governance/levels.ts); identifying values arrive masked, since the catalog keeps none of them.
import type { SourceDescription } from '../../db/metadata';
import { ACCESS_LEVELS, LEVEL_IDS, type AccessLevelId } from '../../governance/levels';
import { MASK } from '../../schema/identifying';
import { html, raw, type Html } from '../html';
import { clipped, count } from './format';
import type { TabContext } from './tab-context';

/** Characters of a value shown in a cell; the whole value (up to TITLE_CHARS) is in its title. */
const CELL_CHARS = 80;
const MAX_ROWS = 50;

export interface SamplesView {
  rows: SourceDescription['samples'];
  /** The viewer's level on the source (the highest of their active grants), null without one. */
  level: AccessLevelId | null;
  /** Whether the server decided to show the rows (it did not send them otherwise). */
  shown: boolean;
}

/** The lowest level whose holders see samples. */
function samplesFrom(): AccessLevelId {
  return LEVEL_IDS.find((id) => ACCESS_LEVELS[id].samplesVisible)!;
}

export function renderSamplesTab(s: SamplesView, _ctx: TabContext): Html {
  if (!s.shown) return html`<section class="tab tab-samples" id="tab-samples">${whyNot(s.level)}</section>`;
  if (s.rows.length === 0) {
    return html`<section class="tab tab-samples" id="tab-samples"><p class="empty">No sample records kept yet: they are taken when the source is crawled.</p></section>`;
  }
  const rows = s.rows.slice(0, MAX_ROWS);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.record ?? {})) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  return html`<section class="tab tab-samples" id="tab-samples">
<p class="tab-summary">${count(rows.length)}${s.rows.length > rows.length && ` of ${count(s.rows.length)}`} sample record${rows.length === 1 ? '' : 's'}${
    s.level !== null && `, as seen with ${s.level} (${ACCESS_LEVELS[s.level].title})`
  }. Values of identifying columns show as <span class="masked">${MASK}</span>: the catalog keeps none of them.</p>
<div class="scroll">
<table class="samples">
<thead><tr><th scope="col">Partition</th>${keys.map((k) => html`<th scope="col">${clipped(k, 40)}</th>`)}</tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><th scope="row" title="${r.file}">${clipped(r.partition, 40)}</th>${keys.map((k) =>
        Object.prototype.hasOwnProperty.call(r.record ?? {}, k) ? html`<td>${cell(r.record[k])}</td>` : raw('<td class="absent"></td>'),
      )}</tr>`,
  )}</tbody>
</table>
</div>
</section>`;
}

function cell(v: unknown): Html {
  if (v === MASK) return html`<span class="masked" title="an identifying column: the catalog keeps none of its values">${MASK}</span>`;
  if (v === null || v === undefined) return html`<span class="null">null</span>`;
  if (typeof v === 'string') return v === '' ? html`<span class="null">(empty)</span>` : clipped(v, CELL_CHARS);
  if (typeof v === 'number' || typeof v === 'boolean') return html`${String(v)}`;
  // nested values as compact JSON: a masked field inside shows as "***" in it
  return html`<code class="json">${clipped(JSON.stringify(v) ?? String(v), CELL_CHARS)}</code>`;
}

function whyNot(level: AccessLevelId | null): Html {
  const from = samplesFrom();
  const needed = `${from} (${ACCESS_LEVELS[from].title})`;
  const reason =
    level === null
      ? html`You hold no grant on this source. Sample records are shown from ${needed} up.`
      : !ACCESS_LEVELS[level].samplesVisible
        ? html`Your grant is ${level} (${ACCESS_LEVELS[level].title}): ${ACCESS_LEVELS[level].description}. Sample records are shown from ${needed} up.`
        : html`Sample records are not shown to you.`;
  return html`<p class="not-shown">${reason}</p><p><a class="button" href="#access">Request access</a></p>`;
}
