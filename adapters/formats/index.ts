// Format adapters for local files: pick the format, stream the bytes, hand them to the pure scanners.
// A new format is one new branch here plus its scanner in schema/infer/.
import { CsvScanner, type CsvOptions } from '../../schema/infer/csv';
import { JsonLinesScanner } from '../../schema/infer/jsonl';
import { inferParquetFooter, ParquetFooterError, readParquetFooter } from '../../schema/infer/parquet';
import { formatOfName, isTabSeparated, type Format } from '../../schema/formats';
import { EMPTY_RESULT, mergeResults, type InferenceResult } from '../../schema/merge';
import { UnreadableInputError } from './errors';
import type { GzipBreak } from './gzip';
import { fileSize, localChunks, readRange } from './local';

export { UnreadableInputError } from './errors';


export interface InferFileOptions {
  format?: Format;
  detectTemporal?: boolean;
  csv?: Omit<CsvOptions, 'detectTemporal'>;
}

export async function inferLocalFile(path: string, options: InferFileOptions = {}): Promise<InferenceResult> {
  const detected = formatOfName(path);
  const format = options.format ?? detected.format;
  if (!format) throw new UnreadableInputError(path, 'unknown format (use --format jsonl|csv|parquet)');
  switch (format) {
    case 'jsonl': {
      const scanner = new JsonLinesScanner(path, { detectTemporal: options.detectTemporal ?? false });
      const broken: GzipBreak = {};
      for await (const chunk of localChunks(path, { gzip: detected.gzip, broken })) scanner.push(chunk);
      return withBreak(scanner.end(), path, broken);
    }
    case 'csv': {
      const csv: CsvOptions = { ...(isTabSeparated(path) ? { delimiter: '\t' as const } : {}), ...options.csv, detectTemporal: options.detectTemporal ?? false };
      const scanner = new CsvScanner(path, csv);
      const broken: GzipBreak = {};
      for await (const chunk of localChunks(path, { gzip: detected.gzip, broken })) scanner.push(chunk);
      return withBreak(scanner.end(), path, broken);
    }
    case 'parquet':
      return inferParquetFile(path);
  }
}

/** The result with the place where gzip data broke off, if it did, as one more corrupt record (line 0: the file). */
export function withBreak(result: InferenceResult, file: string, broken: GzipBreak): InferenceResult {
  if (broken.reason === undefined) return result;
  return mergeResults(result, { ...EMPTY_RESULT, corruptRecords: 1, corruptSamples: [{ file, line: 0, reason: broken.reason }] });
}

/** Parquet: the last 8 bytes, then the footer; never a data page. */
async function inferParquetFile(path: string): Promise<InferenceResult> {
  const size = await fileSize(path);
  try {
    const footer = await readParquetFooter(size, (position, length) => readRange(path, position, length));
    return inferParquetFooter(footer, { file: path });
  } catch (e) {
    if (e instanceof ParquetFooterError) throw new UnreadableInputError(path, e.message);
    throw e;
  }
}

/** One merged result over many files; the order of `paths` does not change the schema. */
export async function inferLocalFiles(paths: readonly string[], options: InferFileOptions = {}): Promise<InferenceResult> {
  let result = EMPTY_RESULT;
  for (const path of paths) result = mergeResults(result, await inferLocalFile(path, options));
  return result;
}
