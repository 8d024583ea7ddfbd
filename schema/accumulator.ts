// One object to feed records, scanned chunks or finished results into, for callers (activities) that
// infer a source piece by piece. The result is plain JSON-serialisable data.
import { JsonLinesScanner, type JsonLinesOptions } from './infer/jsonl';
import { fieldsOfObject } from './infer/values';
import { EMPTY_RESULT, mergeResults, MAX_CORRUPT_SAMPLES, type InferenceResult } from './merge';

export class SchemaAccumulator {
  private merged: InferenceResult = EMPTY_RESULT;

  /** A JS record (e.g. a row from a driver); anything but a plain object is a corrupt record. */
  addRecord(record: unknown, at: { file: string; line: number }): this {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      const sample = { file: at.file, line: at.line, reason: `top-level value is ${Array.isArray(record) ? 'an array' : typeof record}, not an object` };
      return this.addResult({ ...EMPTY_RESULT, corruptRecords: 1, corruptSamples: MAX_CORRUPT_SAMPLES > 0 ? [sample] : [] });
    }
    const provenance = { file: at.file, line: at.line };
    return this.addResult({ ...EMPTY_RESULT, records: 1, schema: { columns: fieldsOfObject(record as Record<string, unknown>, provenance) } });
  }

  /** Scan one JSON lines file (or slice of one) given as chunks. */
  async addJsonLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx: { file: string } & JsonLinesOptions): Promise<this> {
    const scanner = new JsonLinesScanner(ctx.file, ctx);
    for await (const chunk of chunks) scanner.push(chunk);
    return this.addResult(scanner.end());
  }

  /** A result inferred elsewhere (another worker, another format, a stored version). */
  addResult(result: InferenceResult): this {
    this.merged = mergeResults(this.merged, result);
    return this;
  }

  result(): InferenceResult {
    return this.merged;
  }
}
