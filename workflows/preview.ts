// <catalog>/preview/<source>/<uuid>: a look at a source that changes nothing, asked from outside (the CLI)
// and answered on the I/O queue, where the secrets are and the sources are reachable. One activity each;
// a person is waiting, so failures are retried briefly and the answer is a small summary.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { PreviewActivities } from '../activities/preview';
import { NON_RETRYABLE_ERROR_TYPES } from './errors';
import type { CheckSourceInput, CheckSourceResult, CrawlPreview, PreviewCrawlInput, PreviewRefused } from './shared';

const look = proxyActivities<PreviewActivities>({
  // a dry run reads what the crawl would read, in one activity
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

export type { CheckSourceInput, CheckSourceResult, CrawlPreview, PreviewCrawlInput, PreviewRefused };

/** Whether a source not saved yet is reachable: its bucket, its globs, the database behind its secret. */
export async function checkSource(input: CheckSourceInput): Promise<CheckSourceResult> {
  if (!input?.definition?.name) throw ApplicationFailure.nonRetryable('checkSource takes one object: { "definition": { "name": ..., "kind": ... } }', 'InvalidSourceError');
  return look.checkSourceReachable(input);
}

/** What a crawl of the source would read and the schema that would result; writes nothing. */
export async function previewCrawl(input: PreviewCrawlInput): Promise<CrawlPreview | PreviewRefused> {
  if (!input?.source) throw ApplicationFailure.nonRetryable('previewCrawl takes one object: { "source": "<name>" }', 'InvalidSourceError');
  return look.previewCrawl(input);
}
