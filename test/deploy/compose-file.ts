// docker-compose.yml as the deploy tests read it: parsed with YAML merge keys (`<<:`) resolved, as
// Compose does, plus the few shapes the tests look at (short-syntax volumes and ports).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The repository root. */
export const ROOT = path.join(import.meta.dirname, '..', '..');

/** One service of the compose file, loosely typed: the schema test checks its shape. */
export interface ComposeService {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  network_mode?: string;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
}

/** The compose document. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [extension: string]: unknown;
}

/** Reads a repository file as text. */
export const repoText = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** Parses docker-compose.yml (or `text`) the way Compose does. */
export function loadCompose(text = repoText('docker-compose.yml')): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/** A short-syntax volume "source:target[:mode]". */
export function volumeParts(spec: string): { source: string; target: string; mode: string | undefined } {
  const [source = '', target = '', mode] = spec.split(':');
  return { source, target, mode };
}

/** The host port of a short-syntax port "[ip:]host:container". */
export function hostPort(spec: string): number {
  const parts = spec.split(':');
  return Number(parts.length === 3 ? parts[1] : parts[0]);
}

/** The names a service depends on, either syntax. */
export function dependencies(s: ComposeService): string[] {
  return Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
}
