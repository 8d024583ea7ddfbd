// The source page's tabs rendered from hostile data: every value from the lake escaped (no element, no
// event handler, no style attribute made of data), and the structure people rely on present.
import { describe, expect, it } from 'vitest';
import { flagVolumes, type VolumeRow } from '../../../crawl/volumes';
import type { ColumnView, SourceDescription, SourceHistory } from '../../../db/metadata';
import { MASK } from '../../../schema/identifying';
import { renderHistoryTab } from '../../../web/views/history-tab';
import { renderColumnRow, renderSchemaTab } from '../../../web/views/schema-tab';
import { renderSamplesTab } from '../../../web/views/samples-tab';
import type { TabContext } from '../../../web/views/tab-context';
import { MAX_COLUMNS, renderVolumesTab } from '../../../web/views/volumes-tab';

const XSS = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const QUOTES = `it's "quoted" \`ticked\` & <b>bold</b>`;
const UNI = 'ünï—码 🚀 \u202Eevil';
const HOSTILE = [XSS, IMG, QUOTES, UNI];

const owner: TabContext = { source: `src/${XSS}${IMG}`, canEdit: true, csrf: `tok"><script>x</script>` };
const viewer: TabContext = { ...owner, canEdit: false };

interface Tag {
  name: string;
  attrs: { name: string; value: string | null; quoted: boolean }[];
}

/** The tags of `markup` as a browser's tokenizer would see them (comments aside: we write none). */
function tagsOf(markup: string): Tag[] {
  const tags: Tag[] = [];
  const re = /<\/?([a-zA-Z][a-zA-Z0-9-]*)/g;
  for (let m = re.exec(markup); m !== null; m = re.exec(markup)) {
    if (m[0].startsWith('</')) continue;
    let i = m.index + m[0].length;
    const attrs: Tag['attrs'] = [];
    for (;;) {
      while (/\s/.test(markup[i])) i++;
      if (markup[i] === '>' || markup[i] === undefined) break;
      if (markup[i] === '/') {
        i++;
        continue;
      }
      const name = match(/[^\s=>/]+/y, markup, i);
      i += name.length;
      while (/\s/.test(markup[i])) i++;
      if (markup[i] !== '=') {
        attrs.push({ name: name.toLowerCase(), value: null, quoted: false });
        continue;
      }
      i++;
      while (/\s/.test(markup[i])) i++;
      if (markup[i] === '"' || markup[i] === "'") {
        const end = markup.indexOf(markup[i], i + 1);
        attrs.push({ name: name.toLowerCase(), value: markup.slice(i + 1, end), quoted: true });
        i = end + 1;
      } else {
        const v = match(/[^\s>]*/y, markup, i);
        attrs.push({ name: name.toLowerCase(), value: v, quoted: false });
        i += v.length;
      }
    }
    re.lastIndex = i;
    tags.push({ name: m[1].toLowerCase(), attrs });
  }
  return tags;
}

function match(sticky: RegExp, s: string, at: number): string {
  sticky.lastIndex = at;
  return sticky.exec(s)![0];
}

const ALLOWED = new Set([
  'section', 'p', 'span', 'strong', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'form', 'input', 'textarea', 'select', 'option', 'label',
  'button', 'details', 'summary', 'h3', 'ol', 'li', 'a', 'time', 'div', 'figure', 'figcaption', 'svg', 'title', 'text', 'line', 'rect', 'polyline',
  'circle', 'g',
]);

function expectSafe(markup: string): void {
  expect(markup).not.toMatch(/<script/i);
  expect(markup).not.toMatch(/<img/i);
  for (const t of tagsOf(markup)) {
    expect(ALLOWED, `<${t.name}> is not an element the tabs write`).toContain(t.name);
    for (const a of t.attrs) {
      expect(a.name, `<${t.name} ${a.name}=…>`).not.toMatch(/^on/);
      expect(a.name, `<${t.name} ${a.name}=…>`).not.toBe('style');
      expect(a.value === null || a.quoted, `<${t.name} ${a.name}> unquoted`).toBe(true);
      if (a.name === 'href' || a.name === 'action' || a.name === 'hx-get' || a.name === 'hx-post') expect(a.value).toMatch(/^(\/|#)/);
    }
  }
}

/** Text as a browser shows it, for checking that hostile values are shown (escaped), not dropped. */
function decoded(markup: string): string {
  return markup
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}

function column(path: string, o: Partial<ColumnView> = {}): ColumnView {
  return { path, depth: path.split('.').length - 1, name: path.split('.').pop()!, type: 'string', tags: [], ...o };
}

const columns: ColumnView[] = [
  column('id', { type: 'bigint', role: 'id_type', stats: { nullFraction: 0, distinctEstimate: 1000, min: '1', max: '999', basisRecords: 1000 } }),
  column(`x${IMG}`, { name: IMG, description: XSS, tags: ['pii', 'x'], provenance: { file: `s3://b/${XSS}.json`, line: 3 }, stats: { nullFraction: 0.25, distinctEstimate: 3, min: MASK, max: MASK, basisRecords: 8 } }),
  column('props', { type: 'struct<e_mail:string,ünï:string>' }),
  column('props.e_mail', { name: 'E-Mail', description: QUOTES, suggestion: { tag: 'pii', evidence: [`name looks like ${IMG}`, `values: ${XSS}`] }, stats: { nullFraction: 0.0004, distinctEstimate: 2, min: XSS, max: UNI, basisRecords: 3 } }),
  column('props.ünï', { description: UNI, role: 'timestamp', tags: [] }),
  column('a.b.c.d.e.f.g.h.i.j.k', { description: 'deep' }),
];

const description = { schemaVersion: 4, columns } as unknown as SourceDescription;

describe('Schema tab', () => {
  it('escapes every value of hostile names, descriptions, tags, statistics and files, for viewers and owners', () => {
    for (const ctx of [viewer, owner]) {
      const out = renderSchemaTab(description, ctx).text;
      expectSafe(out);
      for (const s of [XSS, IMG, QUOTES]) expect(decoded(out)).toContain(s);
      expect(out).toContain(UNI);
    }
  });

  it('indents the tree by depth, and stops indenting past the deepest class', () => {
    const out = renderSchemaTab(description, viewer).text;
    expect(out).toMatch(/<th scope="row" class="name d0" title="id">/);
    expect(out).toMatch(/class="name d1" title="props.e_mail"/);
    expect(out).toMatch(/class="name d8" title="a.b.c.d.e.f.g.h.i.j.k"/);
  });

  it('marks a suggested tag with its evidence and offers owners to accept it', () => {
    const asViewer = renderSchemaTab(description, viewer).text;
    expect(asViewer).toContain('<span class="tag suggested" title="suggested by the crawl: name looks like &quot;&gt;&lt;img src=x onerror=alert(1)&gt;; values: &lt;script&gt;alert(1)&lt;/script&gt;">pii?</span>');
    expect(asViewer).not.toContain('accept-tags');
    const asOwner = renderColumnRow(columns[3], owner).text;
    expect(asOwner).toContain(`action="/sources/${encodeURIComponent(owner.source)}/columns/accept-tags"`);
    expect(asOwner).toMatch(/hx-target="closest tr" hx-swap="outerHTML"/);
    expect(asOwner).toContain('<input type="hidden" name="path" value="props.e_mail">');
  });

  it('gives owners an edit form per column with the CSRF token, the path and the role select; viewers get none', () => {
    const asViewer = renderSchemaTab(description, viewer).text;
    expect(asViewer).not.toContain('<form');
    expect(asViewer).not.toContain('_csrf');
    const row = renderColumnRow(columns[0], owner).text;
    expect(row.startsWith('<tr')).toBe(true);
    expect(row.endsWith('</tr>')).toBe(true);
    expect(row).toContain(`<form class="column-edit" method="post" action="/sources/src%2F%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/columns"`);
    expect(row).toContain('<input type="hidden" name="_csrf" value="tok&quot;&gt;&lt;script&gt;x&lt;/script&gt;">');
    expect(row).toContain('<option value="id_type" selected>id_type</option>');
    expect(row).toContain('<option value="">(no role)</option>');
    for (const name of ['description', 'tags', 'role']) expect(row).toContain(`name="${name}"`);
    expect(renderSchemaTab(description, owner).text.match(/<form class="column-edit"/g)).toHaveLength(columns.length);
  });

  it('shows masked statistics as masked and percentages of nulls', () => {
    const row = renderColumnRow(columns[1], viewer).text;
    expect(row).toContain(`<span class="masked" title="an identifying column: the catalog keeps none of its values">${MASK}</span>`);
    expect(row).toContain('>25%<');
    expect(renderColumnRow(columns[3], viewer).text).toContain('>&lt;0.1%<');
  });

  it('says so when there is no schema yet', () => {
    const out = renderSchemaTab({ columns: [] } as unknown as SourceDescription, owner).text;
    expect(out).toContain('No schema yet');
    expectSafe(out);
  });
});

const history: SourceHistory = {
  versions: [
    { version: 1, change: 'initial', changes: 3, columns: 3, createdAt: '2026-12-01T10:00:00.000Z', runId: 1 },
    { version: 2, change: 'additive', changes: 1, columns: 4, createdAt: '2026-12-02T10:00:00.000Z', runId: null },
    { version: 3, change: 'breaking', changes: 2, columns: 4, createdAt: '2026-12-03T10:00:00.000Z', runId: 7 },
  ],
  diff: {
    from: 2,
    to: 3,
    lines: [
      { op: 'widen-type', path: `id${IMG}`, from: 'bigint', to: 'string', change: 'breaking', file: `s3://b/${XSS}.json`, line: 9 },
      { op: 'add-nested-field', path: `props.${UNI}`, to: `struct<${QUOTES}>`, change: 'additive' },
    ],
  },
  blame: [
    { path: 'id', version: 1, createdAt: '2026-12-01T10:00:00.000Z', provenance: { file: `${IMG}.json`, line: 1 } },
    { path: `props.${XSS}`, version: 3, createdAt: '2026-12-03T10:00:00.000Z', provenance: { file: UNI } },
  ],
};

describe('History tab', () => {
  it('escapes paths, types and files in the diff and the blame', () => {
    const out = renderHistoryTab(history, owner).text;
    expectSafe(out);
    for (const s of [XSS, IMG, QUOTES]) expect(decoded(out)).toContain(s);
    expect(out).toContain(UNI);
  });

  it('shows the versions newest first with their change class, changes and run', () => {
    const out = renderHistoryTab(history, viewer).text;
    const items = out.match(/<li class="version (\w+)"><span class="v">v(\d)/g)!;
    expect(items.map((i) => i.replace(/.*version (\w+).*v(\d)$/, '$2 $1'))).toEqual(['3 breaking', '2 additive', '1 initial']);
    expect(out).toContain('2 changes, 4 columns, run 7');
    expect(out).toContain(`href="/sources/${encodeURIComponent(viewer.source)}/history?from=2&amp;to=3"`);
  });

  it('marks breaking rows of the diff and says which version is older', () => {
    const out = renderHistoryTab(history, viewer).text;
    expect(out).toContain('From v2 (older) to v3 (newer).');
    expect(out).toMatch(/<tr class="breaking"><td><span class="change breaking">⚠ breaking<\/span><\/td><td>widen-type<\/td>/);
    expect(out).toMatch(/<tr class="additive"><td><span class="change additive">additive<\/span><\/td><td>add-nested-field<\/td>/);
    expect(out).toContain(`s3://b/&lt;script&gt;alert(1)&lt;/script&gt;.json:9`);
    expect(out).toContain('<strong class="breaking">1 breaking</strong>');
    const backward = renderHistoryTab({ ...history, diff: { from: 3, to: 1, lines: [] } }, viewer).text;
    expect(backward).toContain('From v3 (newer) back to v1 (older)');
    expect(backward).toContain('No changes.');
  });

  it('offers two version selects as a GET form the page enhances with htmx, with the pair selected', () => {
    const out = renderHistoryTab(history, viewer).text;
    const action = `/sources/${encodeURIComponent(viewer.source)}/history`;
    expect(out).toContain(`<form class="version-pair" method="get" action="${action}" hx-get="${action}" hx-target="#tab-history" hx-swap="outerHTML">`);
    expect(out).toMatch(/<select name="from"><option value="3">v3[^<]*<\/option><option value="2" selected>/);
    expect(out).toMatch(/<select name="to"><option value="3" selected>/);
    expect(out).toContain('id="tab-history"');
  });

  it('blames each field on a version and file', () => {
    const out = renderHistoryTab(history, viewer).text;
    expect(out).toContain('<tr class="since-first"><th scope="row"><code>id</code></th><td>v1 <time datetime="2026-12-01T10:00:00.000Z">2026-12-01 10:00 UTC</time> <span class="note">(the first version)</span></td><td class="provenance"><code>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.json:1</code></td></tr>');
  });

  it('has nothing to compare with one version, and says so with none', () => {
    const one = renderHistoryTab({ versions: history.versions.slice(0, 1), blame: history.blame.slice(0, 1) }, viewer).text;
    expect(one).toContain('One version only');
    expect(one).not.toContain('<form');
    expect(renderHistoryTab({ versions: [], blame: [] }, viewer).text).toContain('No schema version yet');
  });
});

const partition = (i: number) => `dt=2026-${String(1 + Math.floor(i / 28) % 12).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}/src=${i % 2 ? XSS : IMG}/n=${i}`;
const volume = (i: number, records: number): VolumeRow => ({ partition: partition(i), records, bytes: records * 120, objects: 2, corruptRecords: i === 3 ? 1 : 0 });

describe('Volumes tab', () => {
  const series = [100, 110, 95, 105, 100, 900, 100, 20, 100].map((r, i) => volume(i, r));

  it('escapes partition names in the charts\' titles and labels and in the tables', () => {
    const out = renderVolumesTab(flagVolumes(series), viewer).text;
    expectSafe(out);
    for (const s of [XSS, IMG]) expect(decoded(out)).toContain(s);
  });

  it('draws records and bytes as two labelled SVG charts with a title per partition', () => {
    const out = renderVolumesTab(flagVolumes(series), viewer).text;
    expect(out.match(/<svg /g)).toHaveLength(2);
    expect(out).toContain('Records per partition, oldest partition first');
    expect(out).toContain('Bytes per partition, oldest partition first');
    expect(out).toContain('partition, oldest → newest');
    expect(out.match(/<rect class="hover"/g)).toHaveLength(2 * series.length);
    expect(decoded(out)).toContain(`<title>${partition(5)}: 900 records, 105 KiB, 2 objects</title>`);
  });

  it('flags a spike and a drop in the charts and in the table, with the reason', () => {
    const out = renderVolumesTab(flagVolumes(series), viewer).text;
    expect(out.match(/<g class="flag spike">/g)).toHaveLength(2); // records and bytes
    expect(out.match(/<g class="flag drop">/g)).toHaveLength(2);
    expect(out).toContain('spike: 900 records (9×), above double the median 100 of the previous 5 partitions');
    expect(out).toMatch(/<table class="flags">[\s\S]*<tr class="spike">[\s\S]*<\/table>/);
    expect(out).toContain('<strong class="flagged">2 flagged</strong>');
  });

  it('stays readable with no partition and with one', () => {
    expect(renderVolumesTab([], viewer).text).toContain('No partitions yet');
    const one = renderVolumesTab(flagVolumes([volume(0, 0)]), viewer).text;
    expectSafe(one);
    expect(one).not.toContain('<polyline');
    expect(one.match(/<circle class="point"/g)).toHaveLength(2);
    expect(one).toContain('too little history yet');
    expect(one).toContain('None.');
    expect(one).not.toContain('NaN');
  });

  it('thins 2,000 partitions to at most MAX_COLUMNS columns per chart and keeps every flag in view', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => volume(i, i === 1500 ? 1_000_000 : 1000 + (i % 7)));
    const out = renderVolumesTab(flagVolumes(rows), viewer).text;
    expectSafe(out);
    expect(out.match(/<rect class="hover"/g)!.length).toBeLessThanOrEqual(2 * MAX_COLUMNS);
    expect(out).toContain('2,000 partitions, 10 to a column');
    expect(out.match(/<g class="flag spike">/g)).toHaveLength(2);
    expect(out).toContain(`${partition(1500).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}: spike: 1,000,000 records`);
    expect(out.length).toBeLessThan(250_000);
    expect(out).not.toContain('NaN');
    // the table of partitions lists the newest 30, newest first
    expect(out).toContain('The newest 30 partitions');
    expect(out.match(/<table class="volumes">[\s\S]*<\/table>/)![0].match(/<tr/g)).toHaveLength(31);
  });

  it('keeps an all-zero series on a readable axis', () => {
    const out = renderVolumesTab(flagVolumes([0, 0, 0, 0].map((r, i) => volume(i, r))), viewer).text;
    expect(out).not.toContain('NaN');
    expect(out).not.toContain('Infinity');
  });
});

describe('Samples tab', () => {
  const rows: SourceDescription['samples'] = [
    { partition: `dt=${XSS}`, file: `s3://b/${IMG}`, record: { id: 1, [XSS]: IMG, email: MASK, nested: { a: [1, 2, { b: XSS }], m: MASK }, empty: '', nil: null } },
    { partition: 'dt=2026-01-02', file: 'f', record: { id: 2, [IMG]: QUOTES, uni: UNI, long: 'x'.repeat(500) } },
  ];

  it('escapes keys and values, shows nested values as compact JSON and masked values as masked', () => {
    const out = renderSamplesTab({ rows, level: 'A-4', shown: true }, viewer).text;
    expectSafe(out);
    for (const s of [XSS, IMG, QUOTES]) expect(decoded(out)).toContain(s);
    expect(out).toContain(UNI);
    expect(out).toContain(`<td><span class="masked" title="an identifying column: the catalog keeps none of its values">${MASK}</span></td>`);
    expect(decoded(out)).toContain(`{"a":[1,2,{"b":"${XSS}"}],"m":"${MASK}"}`);
    expect(out).toContain('as seen with A-4 (read)');
    expect(out).toContain('<td><span class="null">null</span></td>');
    expect(out).toContain('<td><span class="null">(empty)</span></td>');
    expect(out).not.toContain('x'.repeat(100) + '<'); // long values are cut
  });

  it('has a column per top-level key of any record, empty where a record lacks it', () => {
    const out = renderSamplesTab({ rows, level: 'A-2', shown: true }, viewer).text;
    const header = out.match(/<thead>[\s\S]*<\/thead>/)![0];
    expect(header.match(/<th scope="col">/g)).toHaveLength(1 + 9);
    expect(out.match(/<td class="absent"><\/td>/g)).toHaveLength(3 + 5);
  });

  it('says why samples are not shown, and links to request access, without any value', () => {
    const none = renderSamplesTab({ rows: [], level: null, shown: false }, viewer).text;
    expect(none).toContain('You hold no grant on this source. Sample records are shown from A-2 (samples) up.');
    expect(none).toContain('<a class="button" href="#access">Request access</a>');
    const a1 = renderSamplesTab({ rows, level: 'A-1', shown: false }, viewer).text;
    expect(a1).toContain('Your grant is A-1 (metadata)');
    expect(a1).toContain('shown from A-2 (samples) up');
    expect(a1).not.toContain('<table');
    expect(decoded(a1)).not.toContain(XSS);
  });

  it('says when there are no samples yet', () => {
    expect(renderSamplesTab({ rows: [], level: 'A-5', shown: true }, viewer).text).toContain('No sample records kept yet');
  });
});

describe('the hostile strings of these tests', () => {
  it('are all distinct and non-empty', () => {
    expect(new Set(HOSTILE).size).toBe(HOSTILE.length);
  });
});
