// The custom search attributes of lake catalog, declared once. The stack registers them with the
// Temporal server (infra/stack.sh: --search-attribute LakeSource=Keyword).
import { defineSearchAttributeKey } from '@temporalio/common';

/** Which source a crawl, backfill or grant concerns: the Temporal UI filters on it. */
export const LAKE_SOURCE = defineSearchAttributeKey('LakeSource', 'KEYWORD');
