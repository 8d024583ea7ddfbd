// `lake describe <source> [--json]`: everything about a source in one place — where and how it is
// stored, its partitions, schedule and last runs, the schema as a tree with types, roles, tags,
// descriptions and statistics, tag suggestions, samples (identifying columns masked), volumes, who holds
// access, and the link of a topic and the lake source it lands in (with the topic's changes not in the lake yet).
import { activeHolders } from '../../db/governance';
import { viewerLevel } from '../../db/access-views';
import { ownersOf } from '../../db/owners';
import { visibleSamples } from '../../governance/levels';
import { describeSource, type SourceDescription } from '../../db/metadata';
import { publishedTable, unpublishedReason, whereIs } from '../../crawl/source';
import { describeUpstreamField } from '../../crawl/upstream';
import { sourceLinks, type SourceLinks } from '../../db/upstream';
import type { Command } from '../command';
import { barOf, bytes, paint, parseOptions, runWithContext, table, UsageError } from '../context';

const USAGE = 'usage: lake describe <source> [--as PRINCIPAL [--group]] [--json]\n';

export { IDENTIFYING_TAGS } from '../../schema/identifying';

/** Records repeating a partition key with another value than their path's: engines read the path's. */
function partitionKeyLines(d: SourceDescription): string[] {
  const m = d.partitionKeyMismatches;
  if (m.length === 0) return [];
  const total = m.reduce((n, p) => n + p.records, 0);
  const lines = [`  part. keys ${total} record(s) in ${m.length} partition(s) hold a partition key value other than their path's (the table reads the path's)`];
  for (const p of m.slice(0, 5)) {
    const f = p.first;
    lines.push(`             ${p.partition}: ${p.records}${f ? `, first ${f.file}:${f.line} ${f.key}=${f.value.slice(0, 40)} (path ${f.path})` : ''}`);
  }
  if (m.length > 5) lines.push(`             … and ${m.length - 5} more partition(s) (--json lists them)`);
  return lines;
}

/** A topic's lake, a lake's topics, and the topics' changes the lake's own crawls have not brought yet. */
function linkLines(links: SourceLinks): string[] {
  const lines: string[] = [];
  if (links.landsIn) lines.push(`  lands in   ${links.landsIn}`);
  if (links.fedBy.length) lines.push(`  fed by     ${links.fedBy.map((t) => `topic ${t}`).join(', ')}`);
  return lines;
}

function pendingUpstreamLines(links: SourceLinks): string[] {
  if (links.pendingUpstream.length === 0) return [];
  const out = ['', paint(1, 'upstream changes not yet in the lake')];
  for (const c of links.pendingUpstream) {
    out.push(`  topic ${c.topic} v${c.version} ${c.change}, seen ${c.recordedAt}`);
    for (const f of c.fields) out.push(`    ${describeUpstreamField(f)}`);
  }
  return out;
}

function render(d: SourceDescription, links: SourceLinks, holders: string[], owners: string[], samplesShown: SourceDescription['samples'], viewer: string): string {
  const s = d.source;
  const where = whereIs(s);
  const out: string[] = [
    paint(1, s.name),
    `  where      ${where}`,
    ...linkLines(links),
    `  table      ${publishedTable(s) ?? unpublishedReason(s)}`,
    `  owners     ${owners.length ? owners.join(', ') : 'none'}${d.logical ? " (its stream's)" : owners.length ? '' : ` (lake source owner add ${s.name} <user>)`}`,
    ...(d.logical
      ? [`  state      ${d.logical.state === 'active' ? `active${d.logical.view ? ', published as a view' : ', view at the next crawl'}` : 'new: lake source activate ' + s.name}; last seen ${d.logical.lastSeenAt ?? 'never'}`]
      : [`  schedule   ${s.schedule}${s.enabled ? '' : ' (disabled)'}`]),
    ...(d.slices ? [`  logical    ${d.slices.total} logical source(s): ${d.slices.active} active, ${d.slices.new} new (lake source list --stream ${s.name})`] : []),
    `  partitions ${d.partitions.count}${d.partitions.count ? ` (${d.partitions.oldest} … ${d.partitions.newest})` : ''}`,
    `  schema     version ${d.schemaVersion ?? '-'}; ${d.corruptRecords} corrupt record(s) quarantined`,
    ...partitionKeyLines(d),
    ...pendingUpstreamLines(links),
    '',
    paint(1, 'columns'),
  ];
  const rows = [['COLUMN', 'TYPE', 'ROLE', 'TAGS', 'NULLS', 'DISTINCT', 'MIN', 'MAX', 'DESCRIPTION']];
  for (const c of d.columns) {
    rows.push([
      `${'  '.repeat(c.depth)}${c.path.split('.').pop()}`,
      c.type.length > 40 ? `${c.type.slice(0, 37)}...` : c.type,
      c.role ?? '',
      c.tags.join(','),
      c.stats ? `${(c.stats.nullFraction * 100).toFixed(0)}%` : '',
      c.stats ? `~${c.stats.distinctEstimate}` : '',
      c.stats?.min ?? '',
      c.stats?.max ?? '',
      c.description ?? '',
    ]);
  }
  out.push(table(rows).trimEnd());
  const suggested = d.columns.filter((c) => c.suggestion);
  if (suggested.length) {
    out.push('', paint(1, `suggested tags (lake column accept-tags ${s.name} [COLUMN]...)`));
    for (const c of suggested) out.push(`  ${c.path}  ${c.suggestion!.tag}: ${c.suggestion!.evidence.join('; ')}`);
  }
  const samples = samplesShown.slice(0, 5);
  out.push('', paint(1, `samples (${samplesShown.length}, ${viewer})`));
  {
    for (const r of samples) out.push(`  ${r.partition.padEnd(28)} ${JSON.stringify(r.record).slice(0, 160)}`);
  }
  if (d.volumes.length) {
    const max = Math.max(...d.volumes.map((v) => v.records));
    out.push('', paint(1, 'volumes'));
    for (const v of d.volumes.slice(-10)) out.push(`  ${v.partition.padEnd(28)} ${barOf(v.records, max, 20)} ${String(v.records).padStart(9)} rec ${bytes(v.bytes).padStart(8)}`);
  }
  out.push('', paint(1, 'last runs'));
  for (const r of d.runs) out.push(`  run ${r.runId} ${r.kind} ${r.status} ${r.startedAt} ${r.files} file(s)${r.records !== undefined ? `, ${r.records} record(s), schema v${r.schemaVersion}` : ''}${r.error ? `: ${r.error}` : ''}`);
  out.push('', paint(1, 'access'), holders.length ? holders.map((h) => `  ${h}`).join('\n') : '  nobody holds access');
  return out.join('\n') + '\n';
}

export const command: Command = {
  usage: USAGE,
  run(args, io) {
    return runWithContext('describe', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args, ['json', 'group']);
      if (positional.length !== 1) throw new UsageError('name one source');
      const d = await describeSource(ctx.db(), positional[0]);
      const holders = await accessHolders(ctx.db(), d.source.id);
      const links = await sourceLinks(ctx.db(), d.source);
      const owners = await ownersOf(ctx.db(), d.source.id);
      const as = options.get('as')?.[0];
      const level = as === undefined ? undefined : await viewerLevel(ctx.db(), d.source.id, { name: as, kind: options.has('group') ? 'group' : 'user' });
      const samples = visibleSamples(d.samples, level);
      const viewer = as === undefined ? 'identifying columns masked' : `as ${as}: ${level ? `${level.id}, identifying columns masked` : 'no grant, no samples'}`;
      if (options.has('json')) io.stdout(JSON.stringify({ ...d, links, samples, ...(as !== undefined ? { viewer: { principal: as, level: level?.id ?? null } } : {}), owners, access: holders }, null, 2) + '\n');
      else io.stdout(render(d, links, holders, owners, samples, viewer));
      return 0;
    });
  },
};

/** Who holds access: "user alice A-4 until 2019-11-01T00:00:00.000Z". */
async function accessHolders(db: import('knex').Knex, sourceId: number): Promise<string[]> {
  return (await activeHolders(db, sourceId)).map((g) => `${g.principal.kind} ${g.principal.name} ${g.level} until ${g.expiresAt.toISOString()}`);
}
