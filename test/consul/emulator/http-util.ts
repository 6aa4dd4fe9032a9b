// HTTP plumbing of the Consul emulator: Go-style parsing of durations and flags, and the reply
// helpers that give every response Consul's content types and headers (consul-api.md §1).
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A reply Consul gives as plain text with a status code (400, 403, 404, 500, ...). */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** Parses a Go duration (`10s`, `1h30m`, `500ms`, `0`) to ms; undefined when Go would refuse it. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const whole = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!whole) return undefined;
  let total = 0;
  for (const m of (whole[2] ?? '').matchAll(/(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  }
  return whole[1] === '-' ? -total : total;
}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** Reads a request body up to `limit` bytes; over it Consul answers 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `Request body too large, max size: ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON request body the way Consul reports decode failures. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (err) {
    throw new HttpError(400, `Request decode failed: ${(err as Error).message}`);
  }
  throw new HttpError(400, 'Request decode failed: body must be a JSON object');
}

/** Case-insensitive, underscore-insensitive field lookup: Consul accepts PascalCase and snake_case. */
export function field(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const want = name.replaceAll('_', '').toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.replaceAll('_', '').toLowerCase() === want) return v;
  return undefined;
}

/** Writes a JSON body (`?pretty` indents it). */
export function sendJson(res: ServerResponse, status: number, body: unknown, pretty = false): void {
  const text = pretty ? `${JSON.stringify(body, null, 4)}\n` : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes a plain-text body, as Go's error replies do. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
