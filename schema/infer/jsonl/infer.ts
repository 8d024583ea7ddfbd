// A JSON lines file inferred in one call: a scanner (scanner.ts) driven over its chunks, or over text
// already in memory.
import type { InferenceResult } from '../../merge';
import type { DiscriminatorPath, GroupedInferenceResult } from '../../slices';
import type { JsonLinesOptions } from './options';
import { JsonLinesScanner } from './scanner';

type Grouped = { discriminators: readonly DiscriminatorPath[] };
type Ungrouped = { discriminators?: undefined };

/** Infer the schema of one JSON lines file from its (already decompressed) chunks; grouped when given discriminators. */
export async function inferJsonLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx: { file: string } & JsonLinesOptions & Grouped): Promise<GroupedInferenceResult>;
export async function inferJsonLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx: { file: string } & JsonLinesOptions & Ungrouped): Promise<InferenceResult>;
export async function inferJsonLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ctx: { file: string } & JsonLinesOptions,
): Promise<InferenceResult | GroupedInferenceResult>;
export async function inferJsonLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ctx: { file: string } & JsonLinesOptions,
): Promise<InferenceResult | GroupedInferenceResult> {
  const scanner = new JsonLinesScanner(ctx.file, ctx);
  for await (const chunk of chunks) scanner.push(chunk);
  return ctx.discriminators ? scanner.endGrouped() : scanner.end();
}

/** Convenience for text already in memory. */
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions & Grouped): GroupedInferenceResult;
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions & Ungrouped): InferenceResult;
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions): InferenceResult | GroupedInferenceResult;
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions): InferenceResult | GroupedInferenceResult {
  const scanner = new JsonLinesScanner(ctx.file, ctx);
  scanner.push(new TextEncoder().encode(text));
  return ctx.discriminators ? scanner.endGrouped() : scanner.end();
}
