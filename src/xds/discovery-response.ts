// Encodes a DiscoveryResponse around pre-encoded Any bytes. Each resource is serialized once per
// version (snapshot) and spliced into every stream's response here; only version, type_url and
// nonce are encoded per stream. protobufjs would re-encode every Any for every stream.
import type { Entry } from '../snapshot/index.ts';

// envoy.service.discovery.v3.DiscoveryResponse field numbers, wire type 2 (length-delimited).
const VERSION_INFO = (1 << 3) | 2;
const RESOURCES = (2 << 3) | 2;
const TYPE_URL = (4 << 3) | 2;
const NONCE = (5 << 3) | 2;
const CONTROL_PLANE = (6 << 3) | 2;
const IDENTIFIER = (1 << 3) | 2; // envoy.config.core.v3.ControlPlane.identifier

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** What one response carries. */
export interface ResponseParts {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: readonly Entry[];
  /** ControlPlane.identifier, so nodes can tell which replica answered. */
  readonly controlPlane: string;
}

/** The wire bytes of a DiscoveryResponse. */
export function encodeDiscoveryResponse(p: ResponseParts): Buffer {
  const version = Buffer.from(p.versionInfo);
  const typeUrl = Buffer.from(p.typeUrl);
  const nonce = Buffer.from(p.nonce);
  const cp = Buffer.from(p.controlPlane);
  const cpInner = fieldSize(cp.length);
  let size = fieldSize(version.length) + fieldSize(typeUrl.length) + fieldSize(nonce.length) + fieldSize(cpInner);
  for (const r of p.resources) size += fieldSize(r.any.length);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  const put = (tag: number, bytes: Buffer) => {
    buf[pos++] = tag;
    pos = writeVarint(buf, pos, bytes.length);
    pos += bytes.copy(buf, pos);
  };
  put(VERSION_INFO, version);
  for (const r of p.resources) put(RESOURCES, r.any);
  put(TYPE_URL, typeUrl);
  put(NONCE, nonce);
  buf[pos++] = CONTROL_PLANE;
  pos = writeVarint(buf, pos, cpInner);
  put(IDENTIFIER, cp);
  return buf;
}
