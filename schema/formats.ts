// Data formats: which formats lake catalog reads, how an object's name says which one it is (and whether
// it is gzipped), and what its first bytes say. Pure: the crawl plans with it, the readers (S3 objects,
// local files, samples) and the publisher's storage follow what it decides.

/** What lake catalog reads and publishes: JSON lines, CSV (and TSV), Parquet. */
export const FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

/** What a source may be configured with: a format, `jsonl.gz` (JSON lines, every object gzipped), or `auto` (by extension). */
export const CONFIGURED_FORMATS = ['auto', 'jsonl', 'jsonl.gz', 'csv', 'parquet'] as const;
export type ConfiguredFormat = (typeof CONFIGURED_FORMATS)[number];

const FORMAT_OF_EXTENSION: Readonly<Record<string, Format>> = {
  json: 'jsonl',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  csv: 'csv',
  tsv: 'csv',
  parquet: 'parquet',
};

/**
 * Format and compression by the extension of an object's or file's name (the part after the last `/`),
 * case-insensitive: .json .jsonl .ndjson / .csv .tsv / .parquet, a trailing .gz meaning gzip. A name
 * without an extension has no format.
 */
export function formatOfName(key: string): { format: Format | undefined; gzip: boolean } {
  const name = key.slice(key.lastIndexOf('/') + 1).toLowerCase();
  const gzip = name.endsWith('.gz');
  const base = gzip ? name.slice(0, -3) : name;
  const dot = base.lastIndexOf('.');
  return { format: dot < 0 ? undefined : FORMAT_OF_EXTENSION[base.slice(dot + 1)], gzip };
}

/** True for .tsv / .tsv.gz: CSV with a tab delimiter. */
export function isTabSeparated(key: string): boolean {
  return /\.tsv(\.gz)?$/i.test(key);
}

/** The format a configured format names: undefined for `auto` (each key's extension says). */
export function formatOfConfigured(configured: ConfiguredFormat): Format | undefined {
  return configured === 'auto' ? undefined : configured === 'jsonl.gz' ? 'jsonl' : configured;
}

/**
 * How to read a key, or undefined when it is not a data file of the source. 'auto': by extension
 * (formatOfName; anything else is not data). A configured format reads every key in it (Spark's
 * `part-00000` has no extension) except keys whose extension names another format; gzip is 'jsonl.gz' or
 * a .gz extension. The reader also trusts gzip magic bytes over the name (isGzipMagic).
 */
export function formatOfKey(key: string, configured: ConfiguredFormat): { format: Format; gzip: boolean } | undefined {
  const byExtension = formatOfName(key);
  if (configured === 'auto') return byExtension.format ? { format: byExtension.format, gzip: byExtension.gzip } : undefined;
  const format = formatOfConfigured(configured)!;
  if (byExtension.format && byExtension.format !== format) return undefined;
  if (format === 'parquet') return { format, gzip: false }; // Parquet compresses inside the file
  return { format, gzip: configured === 'jsonl.gz' || byExtension.gzip };
}

/** True when bytes start as gzip data does (1f 8b), whatever the name says. */
export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
