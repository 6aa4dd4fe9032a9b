// The contract every source (file, Consul catalog, Consul KV) keeps with the pipeline.
import type { Diagnostic } from '../errors.ts';

/** What a source reports: a new value, or why the latest input was refused. */
export interface SourceSink<T> {
  update(value: T): void;
  /** The input is invalid or unreadable; the last good value keeps serving. */
  reject(diagnostics: readonly Diagnostic[]): void;
}

/** How a source is doing; a degraded source keeps its last good value serving. */
export interface SourceHealth {
  readonly healthy: boolean;
  /** When the current state began (ISO 8601). */
  readonly since?: string;
  /** The latest error, safe to show (no credentials). */
  readonly lastError?: string;
}

/** A running source of values of T. */
export interface Source<T> {
  readonly name: string;
  start(sink: SourceSink<T>): void;
  stop(): Promise<void>;
  /** Health of a source that talks to something remote (Consul); files have none. */
  status?(): SourceHealth;
  /** Stores new content where the source reads it (file, KV), for `policy apply`; optional. */
  write?(text: string): Promise<void>;
}
