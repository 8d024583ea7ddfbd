// The History tab's query on the catalog: versions written the way a crawl's merge writes them
// (nextSchemaVersion → recordSchemaVersions), a diff between any two, and per-field blame.
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSchemaVersion } from '../../crawl/schema-version';
import { createDb } from '../../db/knex';
import { schemaDiff, schemaHistory, sourceHistory, UnknownVersionError } from '../../db/metadata';
import { createRun } from '../../db/runs';
import { latestSchema, recordSchemaVersions } from '../../db/schema-versions';
import { saveSource } from '../../db/sources';
import { inferJsonLinesText } from '../../schema/infer/jsonl';
import { testConfig, uniqueName } from './setup';

describe('sourceHistory', () => {
  const config = testConfig();
  const name = uniqueName('history').replace(/_/g, '-');
  const empty = uniqueName('history-empty').replace(/_/g, '-');
  const hostileFile = 's3://bucket/"><img src=x onerror=alert(1)>/ü.json';
  let db: Knex;

  const source = (n: string) => ({
    name: n, kind: 's3' as const, location: { bucket: config.s3.demoBucket, prefix: `${n}/` }, format: 'jsonl' as const, layout: { kind: 'none' as const },
    schedule: 'nightly', targetDatabase: 'lake', targetTable: n.replace(/[^a-z0-9]/g, '_'), options: {}, enabled: true,
  });

  /** One crawl's worth: a run, and the next version from what it inferred (written only when it changed). */
  async function crawl(sourceId: number, file: string, ...lines: string[]) {
    const runId = await createRun(db, { sourceId, workflowId: uniqueName('wf'), workflowRunId: uniqueName('run'), kind: 'crawl', scope: {}, counts: { added: 1, changed: 0, deleted: 0, unchanged: 0, files: 1, bytes: 1 }, summary: {} }, []);
    const next = nextSchemaVersion(await latestSchema(db, sourceId), inferJsonLinesText(lines.join('\n'), { file }).schema);
    await db.transaction((trx) => recordSchemaVersions(trx, runId, [{ sourceId, next }]));
    return runId;
  }

  beforeAll(async () => {
    db = createDb(config.postgres);
    const s = await saveSource(db, source(name));
    await saveSource(db, source(empty));
    await crawl(s.id, hostileFile, '{"id":1,"name":"<script>alert(1)</script>"}');
    await crawl(s.id, 'two.json', '{"id":2}', '{"id":3,"props":{"E-Mail":"a@b.c"}}');
    await crawl(s.id, 'three.json', '{"id":"x-4"}');
  });

  afterAll(async () => {
    await db?.destroy();
  });

  it('lists the versions as schemaHistory does, and diffs the last two by default', async () => {
    const h = await sourceHistory(db, name);
    expect(h.versions).toEqual(await schemaHistory(db, name));
    expect(h.versions.map((v) => `${v.version} ${v.change} ${v.changes}`)).toEqual(['1 initial 2', '2 additive 1', '3 breaking 1']);
    expect(h.diff).toEqual({ from: 2, to: 3, lines: await schemaDiff(db, name, 2, 3) });
    expect(h.diff!.lines).toEqual([{ op: 'widen-type', path: 'id', from: 'bigint', to: 'string', change: 'breaking', file: 'three.json', line: 1 }]);
  });

  it('diffs any two versions, in either order', async () => {
    const forward = await sourceHistory(db, name, { from: 1, to: 3 });
    expect(forward.diff!.lines.map((l) => `${l.op} ${l.path} ${l.change}`)).toEqual([
      'widen-type id breaking',
      'add-column props additive', // its nested fields come with it
    ]);
    const backward = await sourceHistory(db, name, { from: 3, to: 1 });
    expect(backward.diff!.from).toBe(3);
    expect(backward.diff!.lines.map((l) => `${l.op} ${l.path} ${l.change}`)).toEqual(['change-type id breaking', 'remove-column props breaking']);
    expect((await sourceHistory(db, name, { from: 2, to: 2 })).diff!.lines).toEqual([]);
  });

  it('blames each field of the newest version on the version and file that introduced it', async () => {
    const { blame, versions } = await sourceHistory(db, name);
    expect(blame.map((b) => [b.path, b.version, b.provenance?.file, b.provenance?.line])).toEqual([
      ['id', 1, hostileFile, 1],
      ['name', 1, hostileFile, 1],
      ['props', 2, 'two.json', 2],
      ['props.e_mail', 2, 'two.json', 2],
    ]);
    expect(blame[0].createdAt).toBe(versions[0].createdAt);
  });

  it('says which version is unknown', async () => {
    await expect(sourceHistory(db, name, { from: 1, to: 9 })).rejects.toThrow(UnknownVersionError);
    await expect(sourceHistory(db, name, { from: 1, to: 9 })).rejects.toThrow(/no schema version 9/);
  });

  it('gives no diff and no blame before the first version, and no diff with one version', async () => {
    expect(await sourceHistory(db, empty)).toEqual({ versions: [], blame: [] });
    await crawl((await db('sources').where({ name: empty }).first('id')).id, 'one.json', '{"only":true}');
    const one = await sourceHistory(db, empty);
    expect(one.versions.map((v) => v.version)).toEqual([1]);
    expect(one.diff).toBeUndefined();
    expect(one.blame.map((b) => `${b.path} v${b.version} ${b.provenance?.file}:${b.provenance?.line}`)).toEqual(['only v1 one.json:1']);
  });
});
