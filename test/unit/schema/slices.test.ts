import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { quoteString, toHiveColumns } from '../../../schema/hive';
import { JsonLinesScanner, inferJsonLinesText } from '../../../schema/infer/jsonl';
import { EMPTY_RESULT, mergeResults, type InferenceResult } from '../../../schema/merge';
import { shiftProvenanceLines, withoutProvenance } from '../../../schema/provenance';
import {
  flattenColumns,
  plainSliceName,
  remainderSliceName,
  sliceKey,
  sliceName,
  sliceNames,
  slicePatternProblem,
  viewSql,
  type DiscriminatorPath,
  type GroupedInferenceResult,
  type SliceResult,
} from '../../../schema/slices';
import { jsonText } from './arbitraries';

vi.setConfig({ testTimeout: 60_000 });

const grouped = (text: string, discriminators: DiscriminatorPath[], extra = {}) => inferJsonLinesText(text, { file: 'f.jsonl', discriminators, ...extra });
const columns = (r: InferenceResult) => Object.fromEntries(toHiveColumns(r.schema).map((c) => [c.name, c.type]));
const slice = (g: GroupedInferenceResult, ...values: string[]) => g.slices[sliceKey(values)];

/** Grouped results of consecutive pieces merged slice by slice, as the crawl merges its objects' slices (mergeResults per slice key). */
function mergeGroupedResults(a: GroupedInferenceResult, b: GroupedInferenceResult): GroupedInferenceResult {
  const slices: Record<string, SliceResult> = {};
  for (const key of new Set([...Object.keys(a.slices), ...Object.keys(b.slices)])) {
    const x = a.slices[key];
    const y = b.slices[key];
    slices[key] = x && y ? { values: x.values, result: mergeResults(x.result, y.result) } : (x ?? y)!;
  }
  return { stream: mergeResults(a.stream, b.stream), slices, remainder: mergeResults(a.remainder, b.remainder) };
}

/** `f` applied to every result inside. */
function mapGrouped(g: GroupedInferenceResult, f: (r: InferenceResult) => InferenceResult): GroupedInferenceResult {
  const slices: Record<string, SliceResult> = {};
  for (const [key, s] of Object.entries(g.slices)) slices[key] = { values: s.values, result: f(s.result) };
  return { stream: f(g.stream), slices, remainder: f(g.remainder) };
}

// ---- the reference: JSON.parse every line, filter, infer each part on its own --------------------------

type Verdict = { kind: 'corrupt' } | { kind: 'remainder' } | { kind: 'slice'; key: string; values: string[] };

/** What JSON.parse says a line's slice is (numbers in the generated data are written as String(n) writes them). */
function referenceVerdict(line: string, paths: string[][]): Verdict | undefined {
  if (line.trim() === '') return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { kind: 'corrupt' };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return { kind: 'corrupt' };
  const values: string[] = [];
  for (const path of paths) {
    let v: unknown = record;
    for (const key of path) v = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
    if (v === undefined || v === null || typeof v === 'object') return { kind: 'remainder' };
    values.push(String(v));
  }
  return { kind: 'slice', key: sliceKey(values), values };
}

/** The lines of one part, other lines blanked so line numbers (and so provenance) stay those of the file. */
function keepOnly(lines: string[], keep: (i: number) => boolean): string {
  return lines.map((l, i) => (keep(i) ? l : '')).join('\n');
}

// ---- generated streams -----------------------------------------------------------------------------

const discValue = fc.oneof(
  fc.constantFrom('"a"', '"b"', '"A"', '"a\\u0062"', '"ab"', '""', '"x y"', '"é"', '"\\ud83d\\ude00"', '"1"', '"true"'),
  fc.constantFrom('1', '-7', '0', 'true', 'false', 'null', '{}', '[]', '["a"]', '{"kind":"a"}'),
);
const discKey = fc.constantFrom('"service"', '"serv\\u0069ce"', '"Service"', '"label"', '"kind"');

/** Objects with discriminator keys (sometimes twice, escaped or in another case), nested `props.kind`, and noise. */
const streamLine: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(discKey, discValue) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('"props"'), fc.array(fc.oneof(fc.tuple(discKey, discValue), fc.tuple(fc.constantFrom('"p"', '"q"'), jsonText)), { maxLength: 3 }).map((kvs) => `{${kvs.map(([k, v]) => `${k}:${v}`).join(',')}}`)) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom('"n"', '"s"', '"o"', '"big"'), jsonText) },
    ),
    { maxLength: 7 },
  )
  .chain((kvs) =>
    fc.tuple(fc.constantFrom('', ' ', '\t'), fc.constantFrom(':', ' : ')).map(([ws, colon]) => `{${ws}${kvs.map(([k, v]) => `${k}${colon}${v}`).join(`,${ws}`)}${ws}}`),
  );

const corruptLine = fc.oneof(
  fc.constantFrom('[1,2]', '"x"', 'nul', '{"service":"a",', '{"service":"a"} x', '{"service":"a\\x"}', '{"service":"a","label":tru}', '{"service":"b","label":"x","n":[1,}'),
  streamLine.chain((l) => fc.nat(l.length).map((n) => l.slice(0, n) + (n % 2 ? '}' : ''))),
);

const stream = fc.array(fc.oneof({ weight: 8, arbitrary: streamLine }, { weight: 2, arbitrary: corruptLine }, { weight: 1, arbitrary: fc.constantFrom('', '  ') }), {
  maxLength: 14,
});

const discriminatorSets: fc.Arbitrary<DiscriminatorPath[]> = fc.constantFrom(
  ['service'],
  ['service', 'label'],
  ['label', 'service'],
  ['service', ['props', 'kind']],
  [['props'], ['props', 'kind']],
  ['kind', ['props', 'kind']],
  [],
);

describe('grouped inference is exact', () => {
  it('gives the stream exactly as an ungrouped scan, provenance included', () => {
    fc.assert(
      fc.property(stream, discriminatorSets, fc.boolean(), (lines, ds, detectTemporal) => {
        const text = lines.join('\n');
        expect(grouped(text, ds, { detectTemporal }).stream).toEqual(inferJsonLinesText(text, { file: 'f.jsonl', detectTemporal }));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives each slice and the remainder what inferring the lines JSON.parse files there gives, provenance included', () => {
    fc.assert(
      fc.property(stream, discriminatorSets, fc.boolean(), (lines, ds, detectTemporal) => {
        const paths = ds.map((d) => (typeof d === 'string' ? [d] : [...d]));
        const verdicts = lines.map((l) => referenceVerdict(l, paths));
        const g = grouped(lines.join('\n'), ds, { detectTemporal });
        const infer = (keep: (i: number) => boolean) => inferJsonLinesText(keepOnly(lines, keep), { file: 'f.jsonl', detectTemporal });

        // corrupt lines are counted where their values could be read (tested below), so compare without them
        const valid = (r: InferenceResult) => ({ ...r, corruptRecords: 0, corruptSamples: [] });
        const expectedKeys = [...new Set(verdicts.flatMap((v) => (v?.kind === 'slice' ? [v.key] : [])))].sort();
        expect(Object.keys(g.slices).filter((k) => g.slices[k]!.result.records > 0)).toEqual(expectedKeys);
        for (const key of expectedKeys) {
          const s = g.slices[key]!;
          expect(s.values).toEqual(JSON.parse(key));
          expect(valid(s.result)).toEqual(valid(infer((i) => verdicts[i]?.kind === 'slice' && verdicts[i].key === key)));
        }
        for (const s of Object.values(g.slices)) if (s.result.records === 0) expect(s.result.schema.columns).toEqual([]);
        expect(valid(g.remainder)).toEqual(valid(infer((i) => verdicts[i]?.kind === 'remainder')));
        const corrupt = verdicts.filter((v) => v?.kind === 'corrupt').length;
        expect(g.stream.corruptRecords).toBe(corrupt);
        expect([...Object.values(g.slices).map((s) => s.result), g.remainder].reduce((n, r) => n + r.corruptRecords, 0)).toBe(corrupt);
      }),
      { numRuns: 3000 },
    );
  });

  it('merges back to the stream: all slices and the remainder give the stream schema and records (without provenance)', () => {
    fc.assert(
      fc.property(stream, discriminatorSets, (lines, ds) => {
        const g = grouped(lines.join('\n'), ds);
        const merged = [...Object.values(g.slices).map((s) => s.result), g.remainder].reduce(mergeResults, EMPTY_RESULT);
        expect(withoutProvenance(merged.schema)).toEqual(withoutProvenance(g.stream.schema));
        expect(merged.records).toBe(g.stream.records);
        expect(merged.corruptRecords).toBe(g.stream.corruptRecords);
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on how the bytes are cut into chunks', () => {
    fc.assert(
      fc.property(stream, discriminatorSets, fc.array(fc.nat(), { maxLength: 6 }), (lines, ds, cuts) => {
        const bytes = new TextEncoder().encode(lines.join('\n'));
        const scanner = new JsonLinesScanner('f.jsonl', { discriminators: ds });
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let prev = 0;
        for (const c of [...at, bytes.length]) {
          scanner.push(bytes.subarray(prev, c));
          prev = c;
        }
        expect(scanner.endGrouped()).toEqual(grouped(lines.join('\n'), ds));
      }),
      { numRuns: 1000 },
    );
  });

  // Provenance is left out: merging pieces can place a conflict at the piece boundary instead of the line
  // that caused it, grouped or not (see provenance.ts).
  it('merges the results of consecutive pieces of a file into the result of the whole file (without provenance)', () => {
    fc.assert(
      fc.property(stream, discriminatorSets, fc.nat(), (lines, ds, cut) => {
        const at = lines.length === 0 ? 0 : cut % (lines.length + 1);
        const first = grouped(lines.slice(0, at).join('\n'), ds);
        const second = mapGrouped(grouped(lines.slice(at).join('\n'), ds), (r) => ({
          ...r,
          schema: shiftProvenanceLines(r.schema, 'f.jsonl', at),
          corruptSamples: r.corruptSamples.map((s) => ({ ...s, line: s.line + at })),
        }));
        const strip = (g: GroupedInferenceResult) => mapGrouped(g, (r) => ({ ...r, schema: withoutProvenance(r.schema) }));
        expect(strip(mergeGroupedResults(first, second))).toEqual(strip(grouped(lines.join('\n'), ds)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('grouped inference', () => {
  const demo = [
    '{"source":"identified","service":"kakaomusic","label":"listen","elem":"edge","props":{"name":"n","original_id":1}}',
    '{"source":"identified","service":"kakaomusic","label":"listen","elem":"edge","props":{"name":"m","registm":"2019-10-15"}}',
    '{"source":"identified","service":"kakaomv","label":"request","elem":"edge","props":{"description":"d","count":2}}',
    '{"source":"identified","service":"kakaomv","elem":"edge","props":{"x":true}}',
    '{"source":"identified","service":"kakaomv","label":"request",',
    '{"source":"identified","service":"kakaomusic","label":"listen","elem":"edge","props":{"name":}}',
  ].join('\n');
  const ds = ['source', 'service', 'label', 'elem'];

  it('gives each combination of discriminator values its own schema, and the stream the union', () => {
    const g = grouped(demo, ds);
    expect(Object.keys(g.slices)).toEqual([sliceKey(['identified', 'kakaomusic', 'listen', 'edge']), sliceKey(['identified', 'kakaomv', 'request', 'edge'])]);
    expect(columns(slice(g, 'identified', 'kakaomusic', 'listen', 'edge')!.result).props).toBe('struct<name:string,original_id:bigint,registm:string>');
    expect(columns(slice(g, 'identified', 'kakaomv', 'request', 'edge')!.result).props).toBe('struct<description:string,count:bigint>');
    expect(columns(g.stream).props).toBe('struct<description:string,name:string,x:boolean,count:bigint,original_id:bigint,registm:string>');
    expect(slice(g, 'identified', 'kakaomusic', 'listen', 'edge')!.result.records).toBe(2);
  });

  it('sends records without a discriminator to the remainder, and counts a corrupt line in the slice its values name', () => {
    const g = grouped(demo, ds);
    expect(g.remainder.records).toBe(1);
    expect(columns(g.remainder).props).toBe('struct<x:boolean>');
    expect(g.stream.records).toBe(4);
    expect(g.stream.corruptRecords).toBe(2);
    // line 5 breaks off before its elem: the remainder's; line 6 names all four values
    expect(g.remainder.corruptRecords).toBe(1);
    expect(g.remainder.corruptSamples.map((c) => c.line)).toEqual([5]);
    const listen = slice(g, 'identified', 'kakaomusic', 'listen', 'edge')!.result;
    expect(listen.corruptRecords).toBe(1);
    expect(listen.corruptSamples).toEqual([{ file: 'f.jsonl', line: 6, reason: expect.stringContaining('Unexpected token') }]);
    expect(slice(g, 'identified', 'kakaomv', 'request', 'edge')!.result.corruptRecords).toBe(0);
  });

  it('counts a corrupt line whose values cannot be read, or are not JSON, in the remainder', () => {
    const g = grouped('[1]\n{"s":"a\\q","t":1}\n{"s":tru}\n{"s":"ok","t":}', ['s']);
    expect(g.stream.corruptRecords).toBe(4);
    expect(g.remainder.corruptRecords).toBe(3);
    expect(slice(g, 'ok')!.result).toMatchObject({ records: 0, corruptRecords: 1, schema: { columns: [] } });
  });

  it('treats null, objects and arrays at a discriminator as missing', () => {
    const g = grouped('{"service":null}\n{"service":{"a":1}}\n{"service":["a"]}\n{"other":1}', ['service']);
    expect(g.slices).toEqual({});
    expect(g.remainder.records).toBe(4);
  });

  it('keys values as JSON.parse gives them: escapes decoded, numbers and booleans as written', () => {
    const g = grouped('{"s":"ab"}\n{"s":"a\\u0062"}\n{"s":1}\n{"s":"1"}\n{"s":1.50}\n{"s":true}\n{"s":"\\ud83d\\ude00"}', ['s']);
    expect(Object.values(g.slices).map((s) => [s.values, s.result.records])).toEqual([
      [['1'], 2],
      [['1.50'], 1],
      [['ab'], 2],
      [['true'], 1],
      [['😀'], 1],
    ]);
  });

  it('takes the last of duplicate keys, as JSON.parse does, even far behind the first', () => {
    const filler = JSON.stringify({ deep: { service: 'no', list: [{ service: 'no' }] } });
    const g = grouped(`{"service":"a","label":"x","f":${filler},"service":"b"}\n{"service":"a","label":"x","Service":"c"}\n{"service":"a","serv\\u0069ce":"d"}`, ['service']);
    expect(Object.values(g.slices).map((s) => [s.values, s.result.records])).toEqual([
      [['a'], 1],
      [['b'], 1],
      [['d'], 1],
    ]);
    expect(columns(slice(g, 'b')!.result)).toEqual({ service: 'string', label: 'string', f: 'struct<deep:struct<service:string,list:array<struct<service:string>>>>' });
  });

  it('groups by a nested path', () => {
    const g = grouped('{"e":1,"props":{"kind":"k1","a":1}}\n{"props":{"a":2,"kind":"k2","b":"x"}}\n{"props":{"a":3}}\n{"props":"k1"}', [['props', 'kind']]);
    expect(Object.keys(g.slices)).toEqual([sliceKey(['k1']), sliceKey(['k2'])]);
    expect(columns(slice(g, 'k2')!.result)).toEqual({ props: 'struct<a:bigint,kind:string,b:string>' });
    expect(g.remainder.records).toBe(2);
  });

  it('finds a nested discriminator inside an object the stream has already widened to string', () => {
    const g = grouped('{"props":"x"}\n{"props":{"kind":"k1","a":1}}\n{"props":{"a":"s","kind":"k2"}}\n{"props":{"kind":"k1","a":2}}', [['props', 'kind']]);
    expect(Object.keys(g.slices)).toEqual([sliceKey(['k1']), sliceKey(['k2'])]);
    expect(columns(slice(g, 'k1')!.result)).toEqual({ props: 'struct<kind:string,a:bigint>' });
    expect(slice(g, 'k1')!.result.records).toBe(2);
    expect(columns(g.stream)).toEqual({ props: 'string' });
    expect(g.remainder.records).toBe(1);
  });

  it('puts every record in one slice with no discriminators', () => {
    const g = grouped('{"a":1}\n{"b":2}', []);
    expect(Object.keys(g.slices)).toEqual(['[]']);
    expect(g.slices['[]']!.result).toEqual(g.stream);
  });

  it('refuses an empty discriminator path', () => {
    expect(() => grouped('{}', [[]])).toThrow(/discriminator 1/);
  });

  it('keeps the ungrouped result shape without discriminators', () => {
    const r = inferJsonLinesText('{"a":1}', { file: 'f.jsonl' });
    expect(r).toEqual({ schema: r.schema, records: 1, corruptRecords: 0, corruptSamples: [] });
  });
});

describe('slice names', () => {
  it('joins stream and values with - as in the issue', () => {
    expect(sliceName('wallog_raw', ['identified', 'kakaomusic', 'music_hanover_add_track_listen', 'edge'])).toBe(
      'wallog_raw-identified-kakaomusic-music_hanover_add_track_listen-edge',
    );
  });

  it('lowercases values and turns characters outside a-z 0-9 _ into _', () => {
    expect(plainSliceName('s', ['Kakao Music', 'a-b.c', 'é', ''])).toBe('s-kakao_music-a_b_c-_-_');
  });

  it('follows a pattern with {stream}, {values} and {1}..{n}', () => {
    expect(plainSliceName('wallog_raw', ['identified', 'kakaomv', 'request_navv', 'edge'], '{stream}-mon-{1}-{2}_{3}_{4}')).toBe('wallog_raw-mon-identified-kakaomv_request_navv_edge');
    expect(slicePatternProblem('{stream}-mon-{1}-{2}_{3}_{4}', 4)).toBeUndefined();
    expect(slicePatternProblem('{stream}-{values}', 4)).toBeUndefined();
    expect(slicePatternProblem('{stream}-{1}', 2)).toMatch(/leaves out discriminator 2/);
    expect(slicePatternProblem('{stream}-{3}', 2)).toMatch(/not a discriminator/);
    expect(slicePatternProblem('{stream}-{name}-{values}', 1)).toMatch(/not a placeholder/);
    expect(slicePatternProblem('{stream}.{values}', 1)).toMatch(/may only hold/);
  });

  it('names the remainder <stream>-_other and never gives that name to a slice', () => {
    expect(remainderSliceName('wallog_raw')).toBe('wallog_raw-_other');
    expect(sliceName('wallog_raw', ['_other'])).toMatch(/^wallog_raw-_other_[0-9a-f]{8}$/);
  });

  it('settles clashes with a hash suffix, the exact spelling keeping the plain name whatever the order', () => {
    const a = sliceNames('s', [['Kakao'], ['kakao'], ['KAKAO']]);
    const b = sliceNames('s', [['KAKAO'], ['kakao'], ['Kakao']]);
    expect(a).toEqual(b);
    expect(a.get(sliceKey(['kakao']))).toBe('s-kakao');
    expect(new Set(a.values()).size).toBe(3);
    for (const name of a.values()) expect(name).toMatch(/^s-kakao(_[0-9a-f]{8})?$/);
  });

  it('counts names that become the same table name (- versus _) as a clash, and never takes a registered name', () => {
    const names = sliceNames('s', [['a_b', 'c'], ['a', 'b_c']]);
    expect(names.get(sliceKey(['a', 'b_c']))).toBe('s-a-b_c');
    expect(names.get(sliceKey(['a_b', 'c']))).toMatch(/^s-a_b-c_[0-9a-f]{8}$/);
    expect(sliceName('s', ['x'], { taken: ['s_x'] })).toMatch(/^s-x_[0-9a-f]{8}$/);
  });

  it('counts a name whose table name takes the t_ prefix as a clash with the name spelled so', () => {
    expect(sliceName('9s', ['x'], { taken: ['t_9s_x'] })).toMatch(/^9s-x_[0-9a-f]{8}$/);
  });

  it('keeps names within the 100 characters of a source name', () => {
    const long = sliceName('wallog_raw', ['x'.repeat(200)]);
    expect(long.length).toBe(100);
    expect(long).toMatch(/^[a-z0-9][a-z0-9_-]{0,99}$/);
    expect(sliceName('wallog_raw', ['x'.repeat(200) + 'y'])).not.toBe(long);
  });

  it('always gives valid, distinct source names (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.array(fc.string({ maxLength: 6 }), { minLength: 2, maxLength: 2 }), { selector: sliceKey, maxLength: 12 }), fc.array(fc.string({ maxLength: 12 })), (slices, taken) => {
        const names = sliceNames('st', slices, { taken });
        const tables = [...names.values()].map((n) => n.replace(/-/g, '_'));
        expect(names.size).toBe(slices.length);
        for (const n of names.values()) expect(n).toMatch(/^[a-z0-9][a-z0-9_-]{0,99}$/);
        expect(new Set(tables).size).toBe(tables.length);
        for (const t of taken) expect(tables).not.toContain(t.replace(/-/g, '_'));
        expect(tables).not.toContain('st__other');
      }),
    );
  });
});

describe('views of a slice', () => {
  const text = [
    '{"date_id":"2019-10-15","elem":"edge","from":"u1","label":"listen","props":{"name":"n","original_id":1,"description":"d","registm":5},"service":"kakaomusic","source":"identified","to":"t","timestamp":1}',
  ].join('\n');
  const schema = inferJsonLinesText(text, { file: 'f.jsonl' }).schema;

  it('flattens the named struct into props_<field> columns, other fields as they are', () => {
    const cols = flattenColumns(schema, ['props']);
    expect(cols.map((c) => c.name)).toEqual(['date_id', 'elem', 'from', 'label', 'props_name', 'props_original_id', 'props_description', 'props_registm', 'service', 'source', 'to', 'timestamp']);
    expect(cols.find((c) => c.name === 'props_name')).toEqual({ name: 'props_name', type: 'string', expr: '`props`.`name`', path: ['props', 'name'] });
    expect(cols.find((c) => c.name === 'props_original_id')!.type).toBe('bigint');
  });

  it('keeps a real column name and gives a colliding flattened column a hash suffix', () => {
    const s = inferJsonLinesText('{"props_name":1,"props":{"name":"x","id":2}}', { file: 'f' }).schema;
    const cols = flattenColumns(s, ['props']);
    expect(cols[0]).toEqual({ name: 'props_name', type: 'bigint', expr: '`props_name`', path: ['props_name'] });
    expect(cols[1]!.name).toMatch(/^props_name_[0-9a-f]{8}$/);
    expect(cols[1]!.expr).toBe('`props`.`name`');
    expect(cols[2]!.name).toBe('props_id');
  });

  it('leaves a named field that is not a struct as one column, and takes types from the stream when given', () => {
    const slice = inferJsonLinesText('{"props":"plain","o":{"x":1}}', { file: 'f' }).schema;
    expect(flattenColumns(slice, ['props']).map((c) => [c.name, c.type])).toEqual([['props', 'string'], ['o', 'struct<x:bigint>']]);
    const sliceX = inferJsonLinesText('{"props":{"x":1}}', { file: 'f' }).schema;
    const streamX = inferJsonLinesText('{"props":{"x":1}}\n{"props":{"x":"s","y":2}}', { file: 'f' }).schema;
    expect(flattenColumns(sliceX, ['props'], streamX)).toEqual([{ name: 'props_x', type: 'string', expr: '`props`.`x`', path: ['props', 'x'] }]);
  });

  it('writes the view SELECT with quoted identifiers and escaped literals', () => {
    const cols = flattenColumns(schema, ['props']).filter((c) => ['from', 'props_name', 'service'].includes(c.name));
    expect(viewSql('lake.wallog_raw', ['source', 'service'], ['identified', "it's \\ new"], cols)).toBe(
      "SELECT `from`, `props`.`name` AS `props_name`, `service` FROM `lake`.`wallog_raw` WHERE `source` = 'identified' AND `service` = 'it\\'s \\\\ new'",
    );
  });

  it('filters the remainder view on any discriminator being null, nested paths and casts as asked', () => {
    const cols = [{ name: 'a', type: 'bigint', expr: '`a`', path: ['a'] }];
    expect(viewSql({ database: 'db', table: 't`x' }, ['s', ['props', 'kind']], null, cols)).toBe('SELECT `a` FROM `db`.`t``x` WHERE `s` IS NULL OR `props`.`kind` IS NULL');
    expect(viewSql('db.t', ['n'], ['1'], cols, { types: ['bigint'] })).toBe("SELECT `a` FROM `db`.`t` WHERE CAST(`n` AS STRING) = '1'");
    expect(() => viewSql('db.t', ['a', 'b'], ['1'], cols)).toThrow(/1 values for 2/);
  });

  it('escapes control characters in literals', () => {
    expect(quoteString('a\nb\u0001')).toBe("'a\\nb\\u0001'");
  });
});
