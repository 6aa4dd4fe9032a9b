// `gatehouse check`: the operator's and the container's health check. Asks a running Gatehouse's
// admin API whether it is ready and whether any connected node still runs on a config it NACKed,
// and answers in one line. A container engine runs it every few seconds, so it imports nothing
// beyond Node itself (no protos, no zod, no pipeline): only type imports, which are erased.
import { parseArgs } from 'node:util';
import { parseDuration } from '../config/duration-text.ts';
import type { Diagnostic } from '../errors.ts';
import type { NodeStatus } from '../xds/index.ts';

/** Usage text of the check subcommand. */
export const CHECK_USAGE = `  gatehouse check [--admin URL] [--timeout 2s]      exit 0 when ready with no unresolved NACK, else 1 and the reason`;

/** The admin URL asked when neither --admin nor GATEHOUSE_ADMIN is given. */
export const DEFAULT_ADMIN = 'http://127.0.0.1:9902';

const DEFAULT_TIMEOUT_MS = 2000;
/** How much of a NACK's error message the line carries: enough to recognise it, short enough for a health log. */
const NACK_MESSAGE_CHARS = 120;

/** The outcome of one check: the process exit code and the one line that explains it. */
export interface CheckResult {
  readonly ok: boolean;
  readonly line: string;
}

/** The /readyz fields the check reads (see server.ts). */
interface Readyz {
  readonly ready: boolean;
  readonly status: string;
  readonly version?: string;
  readonly synced?: Readonly<Record<string, boolean>>;
  readonly sources?: Readonly<Record<string, { healthy: boolean; lastError?: string }>>;
  readonly problems?: readonly Diagnostic[];
}

/**
 * The admin base URL: a full URL, or "host:port" as the `policy` commands take it. A wildcard
 * listen address (the container's `0.0.0.0:9902`) is dialled on loopback.
 */
export function adminBaseUrl(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
  const url = new URL(withScheme);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.href.replace(/\/$/, '');
}

/** "2s", "500ms" (the settings' duration grammar) or a bare number of milliseconds; never 0. */
function parseTimeout(text: string): number | undefined {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text)) : parseDuration(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** Why a fetch failed, as short as the operator needs it: the system error code when there is one. */
function failureReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

async function getJson<T>(base: string, pathname: string, signal: AbortSignal): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${pathname}`, { signal, headers: { accept: 'application/json' } });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`${pathname} answered ${res.status} with a body that is not JSON`);
  }
}

function notReadyReason(r: Readyz): string {
  const problems = r.problems ?? [];
  if (problems.length > 0) {
    const p = problems[0]!;
    const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
    return `${p.code} ${p.path ? `${p.path}: ` : ''}${p.message}${more}`;
  }
  const waiting = Object.entries(r.synced ?? {})
    .filter(([, synced]) => !synced)
    .map(([name]) => name);
  if (waiting.length > 0) return `waiting for sources ${waiting.join(', ')}`;
  return `status ${r.status}`;
}

/** Every (node, type) whose latest response was NACKed and not followed by an ACK since. */
function unresolvedNacks(
  nodes: readonly NodeStatus[],
): { node: string; type: string; status: NodeStatus['types'][string] }[] {
  const out = [];
  for (const n of nodes) {
    for (const [type, status] of Object.entries(n.types)) {
      if (status.unresolvedNack && status.lastNack) out.push({ node: n.nodeId, type, status });
    }
  }
  return out;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Asks the Gatehouse at `admin` whether it is healthy; throws only when `admin` is not a URL. */
export async function checkGatehouse(admin: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CheckResult> {
  const base = adminBaseUrl(admin);
  const signal = AbortSignal.timeout(timeoutMs);
  let readyz: { status: number; body: Readyz };
  let nodes: { status: number; body: { nodes?: NodeStatus[] } };
  try {
    [readyz, nodes] = await Promise.all([
      getJson<Readyz>(base, '/readyz', signal),
      getJson<{ nodes?: NodeStatus[] }>(base, '/debug/nodes', signal),
    ]);
  } catch (err) {
    return { ok: false, line: `unreachable: ${base}: ${failureReason(err, timeoutMs)}` };
  }
  if (typeof readyz.body?.ready !== 'boolean' || !Array.isArray(nodes.body?.nodes)) {
    return {
      ok: false,
      line: `unexpected: ${base} answered /readyz ${readyz.status} and /debug/nodes ${nodes.status}; is it a Gatehouse admin address?`,
    };
  }
  const r = readyz.body;
  if (!r.ready) return { ok: false, line: `not ready: ${notReadyReason(r)}` };
  const nacks = unresolvedNacks(nodes.body.nodes);
  if (nacks.length > 0) {
    const { node, type, status } = nacks[0]!;
    const nack = status.lastNack!;
    const more = nacks.length > 1 ? ` (+${nacks.length - 1} more)` : '';
    return {
      ok: false,
      line: `nack: node ${node} type ${type} version ${nack.rejectedVersion}: ${oneLine(nack.errorMessage, NACK_MESSAGE_CHARS)}${more}`,
    };
  }
  const unhealthy = Object.entries(r.sources ?? {}).filter(([, h]) => !h.healthy);
  const degraded = unhealthy.length
    ? `, degraded (${unhealthy.map(([name, h]) => `${name}: ${oneLine(h.lastError ?? 'unhealthy', NACK_MESSAGE_CHARS)}`).join('; ')})`
    : '';
  const count = nodes.body.nodes.length;
  return {
    ok: true,
    line: `ok: ready, version ${r.version}, ${count} node${count === 1 ? '' : 's'} connected${degraded}`,
  };
}

/** Where the check writes its line. */
export interface CheckOutput {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const processOutput: CheckOutput = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs `gatehouse check`; returns the exit code (0 healthy, 1 not, 2 bad usage). The admin URL
 * is --admin, else GATEHOUSE_ADMIN, else the admin listen address (GATEHOUSE_ADMIN_ADDRESS, as
 * `serve` reads it in the same container), else 127.0.0.1:9902.
 */
export async function runHealthCheck(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: CheckOutput = processOutput,
): Promise<number> {
  let values: { admin?: string; timeout?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { admin: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    out.stderr(`usage: ${(err as Error).message}\n${CHECK_USAGE}`);
    return 2;
  }
  if (values.help) {
    out.stdout(`usage:\n${CHECK_USAGE}`);
    return 0;
  }
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseTimeout(values.timeout);
  if (timeoutMs === undefined) {
    out.stderr(`usage: invalid --timeout "${values.timeout}": use e.g. "2s" or "500ms"`);
    return 2;
  }
  const admin = values.admin ?? env.GATEHOUSE_ADMIN ?? env.GATEHOUSE_ADMIN_ADDRESS ?? DEFAULT_ADMIN;
  try {
    adminBaseUrl(admin);
  } catch {
    out.stderr(`usage: invalid admin address "${admin}": use e.g. "http://127.0.0.1:9902" or "127.0.0.1:9902"`);
    return 2;
  }
  const result = await checkGatehouse(admin, timeoutMs);
  (result.ok ? out.stdout : out.stderr)(result.line);
  return result.ok ? 0 : 1;
}
