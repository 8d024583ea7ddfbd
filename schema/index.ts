// The schema engine's public API: a pure core (no I/O). Adapters in adapters/formats read the bytes.
export * from './types';
export { joinTypes, widensTo, sameType } from './lattice';
export { mergeSchemas, mergeResults, EMPTY_SCHEMA, EMPTY_RESULT, MAX_CORRUPT_SAMPLES } from './merge';
export type { InferenceResult, CorruptRecord } from './merge';
export { renderHiveType, toHiveColumns, publishedSchema, withNamesOf, quoteIdent, quoteString } from './hive';
export type { HiveColumn, PublishedSchema, TableRef } from './hive';
export { diffSchemas, diffVersion } from './diff';
export type { SchemaChange, SchemaDiff, ChangeClass } from './diff';
export { fieldKey, safeHiveName, isHiveSafe, isHiveName, defaultTableName, MAX_HIVE_NAME_LENGTH } from './names';
export { withoutProvenance, provenanceByPath, shiftProvenanceLines } from './provenance';
export { visitSchema, forEachField, mapFields, pathOf, pathOfSteps } from './visit';
export type { FieldAt, SchemaVisitor } from './visit';
export { JsonLinesScanner, inferJsonLines, inferJsonLinesText } from './infer/jsonl';
export type { JsonLinesOptions } from './infer/jsonl';
export {
  EMPTY_GROUPED, sliceKey, ungrouped,
  remainderSliceName, slicePatternProblem, sliceNamePart, plainSliceName, sliceNames, sliceName,
  flattenColumns, viewSql,
} from './slices';
export type { DiscriminatorPath, SliceResult, GroupedInferenceResult, ViewColumn } from './slices';
export { CsvScanner, detectDelimiter, detectHeader } from './infer/csv';
export type { CsvOptions, CsvDelimiter } from './infer/csv';
export { parquetFooterLength, decodeParquetFooter, inferParquetFooter, ParquetFooterError } from './infer/parquet';
export { lakeTypeOfPostgresColumn, postgresColumns } from './infer/postgres';
export type { PostgresColumn } from './infer/postgres';
export { StatsAccumulator, NUMERIC_KINDS, DistinctSketch, mergeStats, columnStatsOf, EMPTY_STATS } from './stats';
export { hashString, hashBytes } from './hash';
export type { StatsJSON, ColumnStatsJSON, ColumnStats } from './stats';
export { blameFields } from './blame';
export type { FieldBlame } from './blame';
