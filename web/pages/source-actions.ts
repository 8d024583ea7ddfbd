// What owners do on a source page: crawl now, backfill a range (both with live progress from the crawl's
// progress query), and activate or deactivate logical sources.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { crawlProgress, startBackfill, startCrawl } from '../../client/crawl';
import { backfillRangeProblem, isDateRange } from '../../crawl/backfill-range';
import { getSource, setLogicalSourcesActive } from '../../db/sources';
import { backfillWorkflowId, crawlWorkflowId, type CrawlProgress } from '../../workflows/shared';
import { html, urlPart, type Html } from '../html';
import { action } from '../routes';
import type { WebDeps } from '../server';
import { HttpError, requireViewer } from '../viewer';
import { mayOperate } from '../access-rules';

const NAME = { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,99}$' } };
/** A backfill's bound: a date, or for a topic an offset or an ISO timestamp (crawl/backfill-range.ts decides). */
const BOUND = { type: 'string', minLength: 1, maxLength: 40 };

function nameOf(req: FastifyRequest): string {
  return (req.params as { name: string }).name;
}

async function operable(deps: WebDeps, req: FastifyRequest, act: 'crawl' | 'activate', what: string) {
  const viewer = requireViewer(req);
  const s = await getSource(deps.db, nameOf(req));
  if (!(await mayOperate(deps, viewer, s, act))) throw new HttpError(403, `only owners of ${s.name} and admins may ${what}`);
  return s;
}

interface Started {
  source: string;
  workflowId: string;
  runId: string;
  range?: { from: string; to: string };
}

function progressUrl(s: Started): string {
  return `/sources/${urlPart(s.source)}/progress?${s.range ? `from=${urlPart(s.range.from)}&to=${urlPart(s.range.to)}` : ''}`;
}

/** A progress fragment that polls itself every second until the crawl is done. */
export function progressFragment(s: Started, p: CrawlProgress | undefined, failed?: string): Html {
  const done = p?.step === 'done' || failed !== undefined;
  const label = failed ?? (p ? `${p.step}: ${p.batchesDone}/${p.batches} batch(es), ${p.filesDone}/${p.filesTotal} file(s)` : 'starting…');
  return html`<div class="progress" data-workflow="${s.workflowId}"${done ? '' : html` hx-get="${progressUrl(s)}" hx-trigger="every 1s" hx-swap="outerHTML"`}>
  <progress max="${Math.max(1, p?.batches ?? 1)}" value="${p?.step === 'done' ? Math.max(1, p.batches) : (p?.batchesDone ?? 0)}"></progress>
  <span class="step${failed ? ' error-text' : ''}">${label}</span>
</div>`;
}

export function registerSourceActions(app: FastifyInstance, deps: WebDeps): void {
  action(app, deps, {
    path: '/sources/:name/crawl',
    tag: 'sources',
    summary: 'Crawl a source now (a crawl already running is followed)',
    params: NAME,
    async run(req): Promise<Started> {
      const s = await operable(deps, req, 'crawl', 'crawl it');
      if (s.kind === 'logical') throw new HttpError(400, `${s.name} is a logical source: crawl its stream ${s.location.stream}`);
      const handle = await startCrawl(await deps.temporal(), deps.config, s.name);
      return { source: s.name, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    },
    fragment: (r) => progressFragment(r, undefined),
    redirect: (r) => `/sources/${urlPart(r.source)}`,
  });

  action(app, deps, {
    path: '/sources/:name/backfill',
    tag: 'sources',
    summary: 'Re-read the partitions of a date range (yyyy-mm-dd, inclusive); a Kafka topic also takes offsets or ISO timestamps',
    params: NAME,
    body: { from: BOUND, to: BOUND },
    required: ['from', 'to'],
    async run(req): Promise<Started> {
      const s = await operable(deps, req, 'crawl', 'backfill it');
      const { from, to } = req.body as { from: string; to: string };
      const problem = backfillRangeProblem(from, to);
      if (problem) throw new HttpError(400, problem);
      if (s.kind !== 'kafka' && !isDateRange({ from, to })) throw new HttpError(400, `${s.name} is backfilled by dates (yyyy-mm-dd): its partitions are days`);
      const handle = await startBackfill(await deps.temporal(), deps.config, s.name, { from, to });
      return { source: s.name, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, range: { from, to } };
    },
    fragment: (r) => progressFragment(r, undefined),
    redirect: (r) => `/sources/${urlPart(r.source)}`,
  });

  // live progress: the crawl's (or the range's backfill's) own progress query
  app.get('/sources/:name/progress', { schema: { hide: true, params: { type: 'object', properties: NAME }, querystring: { type: 'object', properties: { from: BOUND, to: BOUND } } } }, async (req, reply) => {
    const s = await getSource(deps.db, nameOf(req));
    const { from, to } = req.query as { from?: string; to?: string };
    const range = from && to ? { from, to } : undefined;
    const workflowId = range ? backfillWorkflowId(deps.config.catalog, s.name, range) : crawlWorkflowId(deps.config.catalog, s.name);
    const started: Started = { source: s.name, workflowId, runId: '', ...(range ? { range } : {}) };
    let fragment: Html;
    try {
      const handle = (await deps.temporal()).workflow.getHandle(workflowId);
      const status = (await handle.describe()).status.name;
      if (status === 'FAILED' || status === 'TERMINATED' || status === 'TIMED_OUT' || status === 'CANCELLED') fragment = progressFragment(started, undefined, `the crawl ${status.toLowerCase()}: see its workflow in Temporal`);
      else fragment = progressFragment(started, status === 'COMPLETED' ? { step: 'done', batches: 1, batchesDone: 1, filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesDone: 0 } : await crawlProgress(handle));
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      fragment = progressFragment(started, undefined, 'no crawl is running');
    }
    return reply.type('text/html; charset=utf-8').send(fragment.text);
  });

  for (const active of [true, false]) {
    action(app, deps, {
      path: `/sources/:name/${active ? 'activate' : 'deactivate'}`,
      tag: 'sources',
      summary: `${active ? 'Activate' : 'Deactivate'} a logical source (its view is ${active ? 'published' : 'dropped'} at the stream's next crawl)`,
      params: NAME,
      async run(req) {
        const s = await operable(deps, req, 'activate', active ? 'activate it' : 'deactivate it');
        const result = await setLogicalSourcesActive(deps.db, [s.name], active);
        if (result.problems.length) throw new HttpError(400, result.problems.join('; '));
        return { source: s.name, active, stream: s.kind === 'logical' ? s.location.stream : s.name };
      },
      redirect: (r) => `/sources/${urlPart(r.stream)}/logical`,
    });
  }
}
