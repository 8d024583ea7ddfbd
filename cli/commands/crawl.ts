// `lake crawl <source> [--full] [--json]`: starts the source's crawl now (or follows the one running),
// shows its progress from the inference heartbeats, and prints what it did.
import { WorkflowFailedError } from '@temporalio/client';
import type { CrawlSummary, InferProgress } from '../../crawl/run';
import { getSource, UnknownSourceError } from '../../db/sources';
import { crawlSource } from '../../workflows';
import { LAKE_SOURCE } from '../../workflows/search-attributes';
import { crawlWorkflowIdOf } from '../../workers/schedules';
import { EXIT, type Command, type CommandIO } from '../command';
import { parseOptions, withContext } from '../context';

function bar(p: InferProgress): string {
  const width = 30;
  const done = p.filesTotal ? Math.round((p.filesDone / p.filesTotal) * width) : 0;
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${p.filesDone}/${p.filesTotal} files, ${(p.bytesDone / 1e6).toFixed(1)} MB`;
}

export function formatSummary(s: CrawlSummary): string {
  const c = s.counts;
  return [
    `${s.kind} of ${s.sourceId} (run ${s.runId})`,
    `  objects   ${c.added} new, ${c.changed} changed, ${c.deleted} deleted, ${c.unchanged} unchanged`,
    `  read      ${c.files} file(s), ${(c.bytes / 1e6).toFixed(1)} MB, ${s.merged.records} record(s), ${s.merged.corruptRecords} corrupt`,
    `  schema    version ${s.merged.schemaVersion} (${s.merged.change}${s.merged.changes ? `, ${s.merged.changes} change(s)` : ''})`,
    `  published ${s.published.database}.${s.published.table}: ${s.published.action}, +${s.published.partitionsAdded}/-${s.published.partitionsDropped} partitions`,
  ].join('\n');
}

export const command: Command = {
  name: 'crawl',
  summary: 'crawl a source now and show its progress',
  usage: 'usage: lake crawl <source> [--full] [--json]\n',
  async run(args, io: CommandIO) {
    const { positional, options } = parseOptions(args, ['full', 'json']);
    if (positional.length !== 1) {
      io.stderr(this.usage);
      return EXIT.usage;
    }
    const name = positional[0];
    return withContext(async (ctx) => {
      try {
        await getSource(ctx.db(), name);
      } catch (e) {
        if (e instanceof UnknownSourceError) {
          io.stderr(`lake crawl: ${e.message}\n`);
          return EXIT.unreadableInput;
        }
        throw e;
      }
      const client = await ctx.temporal();
      const handle = await client.workflow.start(crawlSource, {
        workflowId: crawlWorkflowIdOf(name),
        taskQueue: ctx.config.temporal.taskQueue,
        args: [{ sourceId: name, full: options.has('full'), inferenceTaskQueue: ctx.config.temporal.inferenceTaskQueue }],
        workflowIdConflictPolicy: 'USE_EXISTING', // a crawl already running is followed, not doubled
        typedSearchAttributes: [{ key: LAKE_SOURCE, value: name }],
        memo: { source: name },
      });
      const tty = Boolean(process.stderr.isTTY) && !options.has('json');
      const timer = tty
        ? setInterval(async () => {
            const d = await handle.describe().catch(() => undefined);
            const details = d?.raw.pendingActivities?.map((a) => a.heartbeatDetails?.payloads?.[0]?.data).filter(Boolean);
            if (!details?.length) return;
            const p = details
              .map((b) => JSON.parse(Buffer.from(b as Uint8Array).toString()) as InferProgress)
              .reduce((a, b) => ({ filesDone: a.filesDone + b.filesDone, filesTotal: a.filesTotal + b.filesTotal, bytesDone: a.bytesDone + b.bytesDone }));
            process.stderr.write(`\r${bar(p)}`);
          }, 500)
        : undefined;
      try {
        const summary = await handle.result();
        if (tty) process.stderr.write('\n');
        io.stdout(options.has('json') ? JSON.stringify(summary) + '\n' : formatSummary(summary) + '\n');
        return EXIT.ok;
      } catch (e) {
        if (e instanceof WorkflowFailedError) {
          io.stderr(`lake crawl: crawl of ${name} failed: ${e.cause?.message ?? e.message}\n`);
          return 3;
        }
        throw e;
      } finally {
        if (timer) clearInterval(timer);
      }
    });
  },
};
