// Loads Envoy's API protos once, from the copy that ships inside @grpc/grpc-js-xds (deps/).
// The only importer of @grpc/proto-loader. Everything else encodes, decodes and looks up
// descriptors through this module.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type * as Protobuf from 'protobufjs';
import { PROTO_DEPS, PROTO_FILES } from './proto-files.ts';

const require = createRequire(import.meta.url);

// proto-loader's public API returns grpc service definitions but not the protobufjs Root, and the
// validator needs the Root's field options ((validate.rules)). `loadProtosWithOptionsSync` is the
// loader proto-loader itself uses (grpc-js-xds relies on it too); importing proto-loader's index
// first registers google/protobuf/*.proto, which deps/ does not ship.
const loaderUtil = require('@grpc/proto-loader/build/src/util.js') as {
  loadProtosWithOptionsSync(files: string | string[], options: protoLoader.Options): Protobuf.Root;
};

/** Loader flags: snake_case fields like Envoy's docs, enums as names, 64-bit ints as strings. */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies protoLoader.Options;

/** The prefix of every `Any.type_url`. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

const depsDir = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** The protobufjs root holding every loaded Envoy message, with options for validation. */
export const root: Protobuf.Root = loaderUtil.loadProtosWithOptionsSync([...PROTO_FILES], {
  ...LOADER_OPTIONS,
  includeDirs: PROTO_DEPS.map((d) => path.join(depsDir, d)),
});
root.resolveAll();

/** grpc service definitions built from the same root (one parse of the .proto files). */
export const packageDefinition: protoLoader.PackageDefinition = protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS);

const types = new Map<string, Protobuf.Type>();

/** The message type `fullName` (without a leading dot); throws on an unknown name. */
export function messageType(fullName: string): Protobuf.Type {
  let t = types.get(fullName);
  if (!t) {
    t = root.lookupType(fullName);
    types.set(fullName, t);
  }
  return t;
}

/** Encodes a plain object as `fullName`; unknown type names throw instead of yielding empty bytes. */
export function encode(fullName: string, message: object): Buffer {
  const t = messageType(fullName);
  return Buffer.from(t.encode(t.fromObject(message)).finish());
}

/** Decodes bytes of `fullName` into a plain object with the loader flags. */
export function decode<T = Record<string, unknown>>(fullName: string, bytes: Uint8Array): T {
  const t = messageType(fullName);
  return t.toObject(t.decode(bytes), LOADER_OPTIONS) as T;
}

/** A google.protobuf.Any holding `message` encoded as `fullName`. */
export interface AnyMessage {
  readonly type_url: string;
  readonly value: Buffer;
}

/** Packs a message into an Any; nested Any values must already be packed (inner first). */
export function pack(fullName: string, message: object): AnyMessage {
  return { type_url: TYPE_URL_PREFIX + fullName, value: encode(fullName, message) };
}

/** Unpacks an Any whose type is in the root into a plain object (for debug views and tests). */
export function unpack(any: { type_url: string; value: Uint8Array }): Record<string, unknown> {
  return decode(any.type_url.slice(TYPE_URL_PREFIX.length), any.value);
}
