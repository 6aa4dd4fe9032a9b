// The contract every source (file, Consul catalog, Consul KV) keeps with the pipeline.
import type { Diagnostic } from '../errors.ts';

/** What a source reports: a new value, or why the latest input was refused. */
export interface SourceSink<T> {
  update(value: T): void;
  /** The input is invalid or unreadable; the last good value keeps serving. */
  reject(diagnostics: readonly Diagnostic[]): void;
}

/** A running source of values of T. */
export interface Source<T> {
  readonly name: string;
  start(sink: SourceSink<T>): void;
  stop(): Promise<void>;
  /** Stores new content where the source reads it (file, KV), for `policy apply`; optional. */
  write?(text: string): Promise<void>;
}
