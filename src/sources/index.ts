// Public surface of sources.
export { type FileSourceOptions, fileSource } from './file-source.ts';
export type { Source, SourceHealth, SourceSink } from './source.ts';
