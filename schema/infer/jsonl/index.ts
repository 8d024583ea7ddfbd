// JSON-lines inference (see scanner.ts). What the rest of the catalog uses.
export { JsonLinesScanner, inferJsonLines, inferJsonLinesText } from './scanner';
export { JSONL_LIMITS, type JsonLinesOptions } from './options';
