// Every error type the crawl and governance fail with, and whether a retry may fix it: the one list.
// Workflows take their `nonRetryableErrorTypes` from it and the activities classify errors by it. No
// imports, no I/O: workflow code bundles it.

interface ErrorType {
  retryable: boolean;
  /** What it means, for people reading a failed workflow. */
  means: string;
}

export const ERROR_TYPES = {
  // crawl: a person must act on the source, its data or its worker's secrets
  InvalidSourceError: { retryable: false, means: 'the source definition is wrong (or a logical source was crawled)' },
  UnknownSourceError: { retryable: false, means: 'no source has that name' },
  SourceTableError: { retryable: false, means: "a database table or column is not what the source says" },
  SecretError: { retryable: false, means: 'the worker holds no such secret' },
  PublishRefusedError: { retryable: false, means: 'the table cannot be published as it is (mixed formats, a table lake catalog does not manage)' },
  DeletionGuardError: { retryable: false, means: 'a listing would delete most of the manifest; force the crawl if that is right' },
  BackfillRangeError: { retryable: false, means: 'the backfill range is malformed, or the source has no dated partitions' },
  ColumnLimitError: { retryable: false, means: "the schema would pass the source's column limit" },
  UnknownBatchError: { retryable: false, means: 'the run has no such batch' },
  KafkaTopicMissingError: { retryable: false, means: "the source's Kafka topic does not exist on its brokers" },
  // governance
  BadGrantInput: { retryable: false, means: 'the workflow was started with a malformed input' },
  UnknownGrantError: { retryable: false, means: 'no grant has that id' },
  GrantApplyError: { retryable: false, means: 'the metastore refused the grant, or its table is not published' },
  GrantExtendRefused: { retryable: false, means: 'the extension passes the level maximum or the grant ended' },
  GrantNotEnded: { retryable: false, means: "only an ended grant's revocation is verified" },
  RevocationUnverified: { retryable: true, means: 'something was still held; it was taken back and the proof is tried again' },
} as const satisfies Record<string, ErrorType>;

export type ErrorTypeName = keyof typeof ERROR_TYPES;

/** The error types no retry can fix, for `nonRetryableErrorTypes` of every activity proxy. */
export const NON_RETRYABLE_ERROR_TYPES: ErrorTypeName[] = (Object.keys(ERROR_TYPES) as ErrorTypeName[]).filter((name) => !ERROR_TYPES[name].retryable);

export function isNonRetryable(name: string): boolean {
  return Object.hasOwn(ERROR_TYPES, name) && !ERROR_TYPES[name as ErrorTypeName].retryable;
}
