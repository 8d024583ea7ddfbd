// `lake crawl <source> [--full] [--json]`: starts the source's crawl now (or follows the one running),
// shows its progress from the inference heartbeats, and prints what it did.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { overallProgress, progressBar, type CrawlSummary, type InferProgress } from '../../crawl/run';
import { getSource, UnknownSourceError } from '../../db/sources';
import { crawlProgress, crawlResult, startCrawl } from '../../client/crawl';
import { EXIT, type Command, type CommandIO } from '../command';
import { parseOptions, table, withContext, type CliContext } from '../context';
import { NoWorkerError, previewCrawl } from '../../client/preview';

/** Draws the crawl's progress: the workflow's own account plus the running batches' heartbeat details. */
async function showProgress(handle: WorkflowHandle, draw: (line: string) => void): Promise<void> {
  try {
    const [q, d] = await Promise.all([crawlProgress(handle), handle.describe()]);
    const running = (d.raw.pendingActivities ?? [])
      .map((a) => a.heartbeatDetails?.payloads?.[0]?.data)
      .filter((b): b is Uint8Array => Boolean(b))
      .map((b) => JSON.parse(Buffer.from(b).toString()) as InferProgress);
    draw(progressBar(overallProgress(q, running)));
  } catch {
    // not started yet, or finished between the two calls: the next tick draws
  }
}

export function formatSummary(s: CrawlSummary): string {
  const c = s.counts;
  const read =
    s.sourceKind === 'kafka'
      ? [`  messages  ${c.added} read in ${c.files} range(s): ${s.merged.records} record(s), ${s.merged.corruptRecords} corrupt${s.merged.agedOut ? `; ${s.merged.agedOut} aged out (retention) before they were read` : ''}`]
      : [
        `  objects   ${c.added} new, ${c.changed} changed, ${c.deleted} deleted, ${c.unchanged} unchanged`,
        `  read      ${c.files} file(s), ${(c.bytes / 1e6).toFixed(1)} MB, ${s.merged.records} record(s), ${s.merged.corruptRecords} corrupt${s.merged.partitionKeyMismatches ? `, ${s.merged.partitionKeyMismatches} with a partition key value other than their path's` : ''}`,
      ];
  return [
    `${s.kind} of ${s.sourceId} (run ${s.runId})`,
    ...read,
    `  schema    version ${s.merged.schemaVersion} (${s.merged.change}${s.merged.changes ? `, ${s.merged.changes} change(s)` : ''})`,
    `  published ${s.published.database}.${s.published.table}: ${s.published.action}, +${s.published.partitionsAdded}/-${s.published.partitionsDropped} partitions`,
    ...sliceLines(s),
  ].join('\n');
}

/** A stream's crawl: its logical sources, the new ones by name (they wait to be activated). */
function sliceLines(s: CrawlSummary): string[] {
  const sl = s.merged.slices;
  if (!sl) return [];
  const lines = [`  logical   ${sl.total} source(s), ${sl.seen} seen, ${sl.new} new, ${sl.changed} changed schema; ${sl.remainderRecords} record(s) missing a discriminator`];
  if (sl.new) {
    const more = sl.new > sl.newNames.length ? ` and ${sl.new - sl.newNames.length} more` : '';
    lines.push(`  new       ${sl.newNames.join(', ')}${more} (inactive: lake source activate <name>)`);
  }
  const v = s.published.views;
  if (v) lines.push(`  views     ${v.views} active: ${v.created} created, ${v.altered} altered, ${v.dropped} dropped`);
  return lines;
}

export const command: Command = {
  usage: 'usage: lake crawl <source> [--full] [--dry-run] [--json]\n',
  async run(args, io: CommandIO) {
    const { positional, options } = parseOptions(args, ['full', 'json', 'dry-run']);
    if (positional.length !== 1) {
      io.stderr(this.usage);
      return EXIT.usage;
    }
    const name = positional[0];
    return withContext(async (ctx) => {
      try {
        const source = await getSource(ctx.db(), name);
        if (source.kind === 'logical') {
          io.stderr(`lake crawl: ${name} is a logical source of ${source.location.stream}; crawl the stream: lake crawl ${source.location.stream}\n`);
          return EXIT.usage;
        }
      } catch (e) {
        if (e instanceof UnknownSourceError) {
          io.stderr(`lake crawl: ${e.message}\n`);
          return EXIT.unreadableInput;
        }
        throw e;
      }
      if (options.has('dry-run')) return dryRun(ctx, name, options.has('full'), options.has('json'), io);
      const handle = await startCrawl(await ctx.temporal(), ctx.config, name, { full: options.has('full') });
      const draw = options.has('json') ? undefined : io.progress;
      // one drawing at a time, and none left running when the connection closes
      let drawing: Promise<void> | undefined;
      const timer = draw
        ? setInterval(() => {
            drawing ??= showProgress(handle, draw).finally(() => (drawing = undefined));
          }, 500)
        : undefined;
      try {
        const summary = await crawlResult(handle);
        if (draw) {
          clearInterval(timer);
          await drawing;
          await showProgress(handle, (line) => draw(line, true));
        }
        io.stdout(options.has('json') ? JSON.stringify(summary) + '\n' : formatSummary(summary) + '\n');
        return EXIT.ok;
      } catch (e) {
        if (e instanceof WorkflowFailedError) {
          io.stderr(`lake crawl: crawl of ${name} failed: ${e.cause?.message ?? e.message}\n`);
          return EXIT.failed;
        }
        throw e;
      } finally {
        if (timer) clearInterval(timer);
        await drawing;
      }
    });
  },
};

/** What a crawl would read and what schema would result, against the catalog — writing nothing. A worker
 *  plans and reads (it reaches the source); this prints its summary. */
async function dryRun(ctx: CliContext, name: string, full: boolean, json: boolean, io: CommandIO): Promise<number> {
  let preview: Awaited<ReturnType<typeof previewCrawl>>;
  try {
    preview = await previewCrawl(await ctx.temporal(), ctx.config, name, { full });
  } catch (e) {
    if (e instanceof NoWorkerError) {
      io.stderr(`lake crawl: ${e.message}\n`);
      return EXIT.failed;
    }
    if (e instanceof WorkflowFailedError) {
      io.stderr(`lake crawl: dry run of ${name} failed: ${(e.cause?.cause as Error | undefined)?.message ?? e.cause?.message ?? e.message}\n`);
      return EXIT.failed;
    }
    throw e;
  }
  if (preview.kind === 'refused') {
    io.stderr(`lake crawl: ${preview.reason}\n`);
    return EXIT.usage;
  }
  const report = {
    source: preview.source,
    counts: preview.counts,
    read: preview.read,
    deleted: preview.deleted,
    skipped: preview.skipped,
    table: preview.table,
    partitionKeys: preview.partitionKeys,
    partitions: preview.partitions,
    ...(preview.truncated ? { truncated: preview.truncated } : {}),
    records: preview.records,
    corruptRecords: preview.corruptRecords,
    columns: preview.columns,
    schemaVersion: preview.schemaVersion,
    changes: preview.changes,
  };
  if (json) {
    io.stdout(JSON.stringify(report, null, 2) + '\n');
    return EXIT.ok;
  }
  const c = preview.counts;
  const more = preview.truncated;
  const readMore = report.read.length - 20 + (more?.read ?? 0);
  io.stdout(
    [
      `dry run of ${name}: nothing is written`,
      `  objects   ${c.added} new, ${c.changed} changed, ${c.deleted} deleted, ${c.unchanged} unchanged; would read ${c.files} (${(c.bytes / 1e6).toFixed(1)} MB)`,
      ...report.read.slice(0, 20).map((o) => `    read ${o.key} (${o.size} B${o.gzip ? ', gzip' : ''})`),
      ...(readMore > 0 ? [`    … ${readMore} more`] : []),
      ...report.deleted.slice(0, 20).map((k) => `    gone ${k}`),
      `  table     ${report.table}, partitioned by (${report.partitionKeys.join(', ') || 'nothing'}), ${report.partitions.length + (more?.partitions ?? 0)} partition(s) touched`,
      `  records   ${report.records} read, ${report.corruptRecords} corrupt`,
      `  schema    version ${report.schemaVersion}${preview.change === 'none' ? ' (unchanged)' : ` (${preview.change})`}`,
      table([['COLUMN', 'TYPE'], ...report.columns.map((col) => [`    ${col.name}`, col.type])]).trimEnd(),
      ...(preview.hadSchema ? report.changes.map((ch) => `  ${ch.change.padEnd(8)} ${ch.op} ${ch.path}${ch.type ? ` ${ch.type}` : ''}`) : []),
    ].join('\n') + '\n',
  );
  return EXIT.ok;
}
