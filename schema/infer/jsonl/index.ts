// JSON-lines inference (see scanner.ts). What the rest of the catalog uses.
export { JsonLinesScanner } from './scanner';
export { inferJsonLines, inferJsonLinesText } from './infer';
export { JSONL_LIMITS, type JsonLinesOptions } from './options';
