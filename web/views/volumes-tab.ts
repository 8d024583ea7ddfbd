// The Volumes tab: records and bytes per partition, oldest first, as two small inline SVG charts (no chart
// library: nothing is fetched, and CSP allows no script), with drops and spikes (crawl/volumes.ts) marked
// in the charts and listed below them. Beyond MAX_COLUMNS partitions the charts group neighbours into one
// column each, drawn as the range of the group, so 2,000 partitions still fit and still show outliers.
import type { FlaggedVolume, VolumeFlag, VolumeMeasure } from '../../crawl/volumes';
import { median, MIN_VOLUME_HISTORY, VOLUME_WINDOW } from '../../crawl/volumes';
import { html, raw, type Html } from '../html';
import { byteSize, clipped, count } from './format';
import type { TabContext } from './tab-context';

/** At most this many hover columns per chart: about one every 3 px at the chart's width. */
export const MAX_COLUMNS = 200;
/** Flag markers drawn per chart; the table below lists every flag. */
const MAX_MARKERS = 300;
/** Flags listed in the table; the rest are counted. */
const MAX_FLAG_ROWS = 500;
/** Partitions listed in the table of the newest ones. */
const RECENT_ROWS = 30;

const W = 720;
const H = 190;
const LEFT = 72;
const RIGHT = 14;
const TOP = 22;
const BOTTOM = 40;
const PW = W - LEFT - RIGHT;
const PH = H - TOP - BOTTOM;

export function renderVolumesTab(rows: readonly FlaggedVolume[], _ctx: TabContext): Html {
  if (rows.length === 0) {
    return html`<section class="tab tab-volumes" id="tab-volumes"><p class="empty">No partitions yet: nothing has been crawled.</p></section>`;
  }
  const flags = rows.flatMap((r) => r.flags.map((f) => ({ partition: r.partition, flag: f })));
  const records = rows.reduce((n, r) => n + r.records, 0);
  const bytes = rows.reduce((n, r) => n + r.bytes, 0);
  const flagged = rows.filter((r) => r.flags.length > 0).length;
  return html`<section class="tab tab-volumes" id="tab-volumes">
<p class="tab-summary">${count(rows.length)} partition${rows.length === 1 ? '' : 's'}, ${count(records)} records, ${byteSize(bytes)}; ${
    flagged > 0 ? html`<strong class="flagged">${count(flagged)} flagged</strong>` : 'none flagged'
  }. Each partition is compared with the median of the ${VOLUME_WINDOW} before it: below half is a drop, above double a spike${
    rows.length <= MIN_VOLUME_HISTORY && html` (from the ${ordinal(MIN_VOLUME_HISTORY + 1)} partition on: too little history yet)`
  }.</p>
<div class="charts">
${chart(rows, 'records')}
${chart(rows, 'bytes')}
</div>
<h3>Drops and spikes</h3>
${flags.length === 0 ? html`<p class="empty">None.</p>` : flagTable(flags)}
<h3>${rows.length > RECENT_ROWS ? `The newest ${RECENT_ROWS} partitions` : 'Partitions'}</h3>
${recentTable(rows)}
</section>`;
}

function chart(rows: readonly FlaggedVolume[], measure: VolumeMeasure): Html {
  const n = rows.length;
  const values = rows.map((r) => r[measure]);
  const top = niceCeiling(Math.max(0, ...values));
  const x = (i: number) => r1(LEFT + ((i + 0.5) * PW) / n);
  const y = (v: number) => r1(TOP + PH - (Math.max(0, v) / top) * PH);
  const label = (v: number) => (measure === 'bytes' ? byteSize(v) : compact(v));
  const id = `volumes-${measure}`;
  const perColumn = Math.ceil(n / MAX_COLUMNS);
  const columns: Html[] = [];
  const line: string[] = [];
  for (let start = 0; start < n; start += perColumn) {
    const end = Math.min(n, start + perColumn);
    const group = rows.slice(start, end);
    const vs = values.slice(start, end);
    const x0 = r1(LEFT + (start * PW) / n);
    const width = r1(((end - start) * PW) / n);
    if (group.length === 1) {
      const r = group[0];
      line.push(`${x(start)},${y(vs[0])}`);
      columns.push(html`<rect class="hover" x="${x0}" y="${TOP}" width="${width}" height="${PH}"><title>${r.partition}: ${count(r.records)} records, ${byteSize(r.bytes)}, ${count(r.objects)} object${r.objects === 1 ? '' : 's'}</title></rect>`);
    } else {
      const lo = Math.min(...vs);
      const hi = Math.max(...vs);
      const mid = median(vs);
      const cx = r1(x0 + width / 2);
      line.push(`${cx},${y(mid)}`);
      columns.push(
        html`<line class="range" x1="${cx}" y1="${y(lo)}" x2="${cx}" y2="${y(hi)}"></line><rect class="hover" x="${x0}" y="${TOP}" width="${width}" height="${PH}"><title>${group[0].partition} … ${group[group.length - 1].partition} (${group.length} partitions): ${measure} ${label(lo)} to ${label(hi)}, median ${label(mid)}</title></rect>`,
      );
    }
  }
  const markers: Html[] = [];
  for (let i = 0; i < n && markers.length < MAX_MARKERS; i++) {
    const f = rows[i].flags.find((g) => g.measure === measure);
    if (f) markers.push(marker(rows[i].partition, f, x(i), y(values[i])));
  }
  const single = n === 1 ? html`<circle class="point" cx="${x(0)}" cy="${y(values[0])}" r="4"></circle>` : '';
  const xLabels = [0, ...(n >= 3 ? [Math.floor((n - 1) / 2)] : []), ...(n >= 2 ? [n - 1] : [])].map((i, k, all) => {
    const anchor = all.length === 1 ? 'middle' : k === 0 ? 'start' : k === all.length - 1 ? 'end' : 'middle';
    const at = anchor === 'start' ? LEFT : anchor === 'end' ? LEFT + PW : x(i);
    return html`<text class="tick" x="${at}" y="${TOP + PH + 16}" text-anchor="${anchor}"><title>${rows[i].partition}</title>${shorten(rows[i].partition, 30)}</text>`;
  });
  const yTicks = [0, top / 2, top].map(
    (v) => html`<line class="grid" x1="${LEFT}" y1="${y(v)}" x2="${LEFT + PW}" y2="${y(v)}"></line><text class="tick" x="${LEFT - 6}" y="${r1(y(v) + 4)}" text-anchor="end">${label(v)}</text>`,
  );
  const what = measure === 'records' ? 'Records per partition' : 'Bytes per partition';
  return html`<figure class="chart chart-${measure}">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title">
<title id="${id}-title">${what}, oldest partition first${perColumn > 1 && `, ${perColumn} partitions per column`}</title>
<text class="axis-title" x="${LEFT}" y="14">${measure}</text>
${yTicks}
<line class="axis" x1="${LEFT}" y1="${TOP + PH}" x2="${LEFT + PW}" y2="${TOP + PH}"></line>
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + PH}"></line>
${line.length > 1 && html`<polyline class="series" points="${line.join(' ')}"></polyline>`}
${single}
${columns}
${markers}
${xLabels}
<text class="axis-title" x="${LEFT + PW / 2}" y="${H - 4}" text-anchor="middle">partition, oldest → newest</text>
</svg>
<figcaption>${what}${perColumn > 1 && html` (${count(n)} partitions, ${perColumn} to a column: the line is each column's median, the bar its range)`}.${
    markers.length > 0 && html` <span class="legend"><span class="flag drop">▼</span> drop <span class="flag spike">▲</span> spike</span>`
  }</figcaption>
</figure>`;
}

function marker(partition: string, f: VolumeFlag, cx: number, cy: number): Html {
  const glyph = f.kind === 'drop' ? '▼' : '▲';
  const ty = f.kind === 'drop' ? r1(Math.min(cy + 16, TOP + PH - 2)) : r1(Math.max(cy - 7, TOP + 9));
  return html`<g class="flag ${f.kind}"><title>${partition}: ${f.reason}</title><circle cx="${cx}" cy="${cy}" r="5"></circle><text x="${cx}" y="${ty}" text-anchor="middle">${glyph}</text></g>`;
}

function flagTable(flags: { partition: string; flag: VolumeFlag }[]): Html {
  const shown = flags.slice(-MAX_FLAG_ROWS).reverse();
  return html`<table class="flags">
<thead><tr><th scope="col">Partition</th><th scope="col">Flag</th><th scope="col">Measure</th><th scope="col" class="num">Value</th><th scope="col" class="num">Median before</th><th scope="col">Why</th></tr></thead>
<tbody>${shown.map(
    ({ partition, flag: f }) =>
      html`<tr class="${f.kind}"><th scope="row"><code>${clipped(partition, 60)}</code></th><td><span class="flag ${f.kind}">${f.kind === 'drop' ? '▼ drop' : '▲ spike'}</span></td><td>${f.measure}</td><td class="num">${f.measure === 'bytes' ? byteSize(f.value) : count(f.value)}</td><td class="num">${
        f.measure === 'bytes' ? byteSize(f.median) : count(f.median)
      }</td><td>${f.reason}</td></tr>`,
  )}</tbody>
</table>${flags.length > MAX_FLAG_ROWS && html`<p class="note">The newest ${MAX_FLAG_ROWS} of ${count(flags.length)} flags, newest first.</p>`}`;
}

function recentTable(rows: readonly FlaggedVolume[]): Html {
  const recent = rows.slice(-RECENT_ROWS).reverse();
  return html`<table class="volumes">
<thead><tr><th scope="col">Partition</th><th scope="col" class="num">Records</th><th scope="col" class="num">Bytes</th><th scope="col" class="num">Objects</th><th scope="col" class="num">Corrupt</th><th scope="col">Flags</th></tr></thead>
<tbody>${recent.map(
    (r) =>
      html`<tr${r.flags.length > 0 && raw(' class="flagged"')}><th scope="row"><code>${clipped(r.partition, 60)}</code></th><td class="num">${count(r.records)}</td><td class="num">${byteSize(r.bytes)}</td><td class="num">${count(r.objects)}</td><td class="num">${
        r.corruptRecords > 0 ? html`<span class="corrupt">${count(r.corruptRecords)}</span>` : '0'
      }</td><td>${r.flags.map((f) => html`<span class="flag ${f.kind}" title="${f.reason}">${f.kind === 'drop' ? '▼' : '▲'} ${f.measure} ${f.kind}</span> `)}</td></tr>`,
  )}</tbody>
</table>`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (1 for 0), so the axis reads in round numbers. */
function niceCeiling(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${trim(n / 1e9)}G`;
  if (a >= 1e6) return `${trim(n / 1e6)}M`;
  if (a >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

function trim(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}

function r1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Long partition names keep their start and end, where dates and the last key usually are. */
function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.floor((max - 1) / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`;
}

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}
