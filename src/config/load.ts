// Reading and parsing config files: every problem reported with its path and value, results frozen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Diagnostic, problem } from '../errors.ts';
import { type CatalogFile, catalogFile } from './catalog-schema.ts';
import { type PolicyFile, policyFile } from './policy-schema.ts';
import { type Settings, settingsFile } from './settings-schema.ts';

/** Either a frozen value or every problem found. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; diagnostics: readonly Diagnostic[] };

/** Freezes a parsed config tree so nothing downstream can change it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text && text.length > 80 ? `${text.slice(0, 77)}...` : String(text);
}

function formatPath(source: string, segments: readonly PropertyKey[]): string {
  let out = source;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : `${out ? '.' : ''}${String(s)}`;
  return out;
}

/** Validates plain data against a schema, turning every zod issue into a diagnostic. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, source: string): Parsed<z.output<S>> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, value: deepFreeze(result.data) };
  return {
    ok: false,
    diagnostics: result.error.issues.map((issue) => {
      const where = formatPath(source, issue.path);
      const extra =
        issue.code === 'unrecognized_keys' ? '' : ` (got ${describe((issue as { input?: unknown }).input)})`;
      return problem('CONFIG_INVALID', where, `${issue.message}${extra}`);
    }),
  };
}

/** Parses YAML text, reporting syntax errors with line and column. */
export function parseYaml(text: string, source: string): Parsed<unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return problem(
          'CONFIG_PARSE',
          pos ? `${source}:${pos.line}:${pos.col}` : source,
          e.message.split('\n')[0] ?? e.message,
        );
      }),
    };
  }
  return { ok: true, value: doc.toJS() ?? {} };
}

function parseText<S extends z.ZodType>(schema: S, text: string, source: string): Parsed<z.output<S>> {
  const yaml = parseYaml(text, source);
  return yaml.ok ? parseWith(schema, yaml.value, source) : yaml;
}

/** Parses catalog YAML text. */
export const parseCatalog = (text: string, source = 'catalog'): Parsed<CatalogFile> =>
  parseText(catalogFile, text, source);
/** Parses policy YAML text. */
export const parsePolicy = (text: string, source = 'policy'): Parsed<PolicyFile> => parseText(policyFile, text, source);

/** Reads a file, turning I/O failures into a diagnostic. */
export function readText(file: string): Parsed<string> {
  try {
    return { ok: true, value: readFileSync(file, 'utf8') };
  } catch (err) {
    return { ok: false, diagnostics: [problem('CONFIG_READ', file, (err as Error).message)] };
  }
}

/** Command-line and environment overrides of the settings file. */
export interface SettingsOverrides {
  readonly xds?: string | undefined;
  readonly admin?: string | undefined;
  readonly authz?: string | undefined;
  /** A Consul address: turns Consul on (catalog from Consul unless the file names a catalog file). */
  readonly consul?: string | undefined;
}

/**
 * Loads the settings file (or, without one, the defaults: catalog from Consul, empty policy);
 * relative file paths are resolved against the settings file's folder.
 */
export function loadSettings(file: string | undefined, overrides: SettingsOverrides = {}): Parsed<Settings> {
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    const text = readText(file);
    if (!text.ok) return text;
    const yaml = parseYaml(text.value, file);
    if (!yaml.ok) return yaml;
    const value = yaml.value ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      return {
        ok: false,
        diagnostics: [problem('CONFIG_INVALID', file, `must be a mapping of settings (got ${describe(value)})`)],
      };
    }
    raw = value as Record<string, unknown>;
  }
  const section = (key: string) => (raw[key] as object | undefined) ?? {};
  const merged = {
    ...raw,
    ...(overrides.xds ? { xds: { address: overrides.xds } } : {}),
    ...(overrides.admin ? { admin: { address: overrides.admin } } : {}),
    ...(overrides.authz ? { authz: { ...section('authz'), address: overrides.authz } } : {}),
    ...(overrides.consul ? { consul: { ...section('consul'), address: overrides.consul } } : {}),
  };
  const source = file ?? 'settings';
  const parsed = parseWith(settingsFile, merged, source);
  if (!parsed.ok) return parsed;
  const dir = file !== undefined ? path.dirname(path.resolve(file)) : process.cwd();
  const s = parsed.value;
  const resolve = (f: string | undefined) => (f === undefined ? {} : { file: path.resolve(dir, f) });
  return {
    ok: true,
    value: deepFreeze({
      ...s,
      catalog: { ...s.catalog, ...resolve(s.catalog.file) },
      policy: { ...s.policy, ...resolve(s.policy.file) },
    }),
  };
}
