// Every workflow the worker registers. Workflows are deterministic and do no I/O: they import
// activity *types* only.
export { crawlSource, backfillSource } from './crawl';
export { grantExpiry } from './grant-expiry';
export { reconcileGrants } from './reconcile-grants';
export { checkSource, previewCrawl } from './preview';
