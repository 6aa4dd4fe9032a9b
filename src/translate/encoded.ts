// Encoding of translated resources, memoised by message object: validation and the snapshot need
// the same bytes, and profiles share some message objects (endpoints), so each is encoded once.
import { encode } from '../protos.ts';

const memo = new WeakMap<object, Buffer>();

/** The protobuf bytes of `message` as `typeName`; the same object always yields the same Buffer. */
export function encodeResource(typeName: string, message: object): Buffer {
  let bytes = memo.get(message);
  if (!bytes) {
    bytes = encode(typeName, message);
    memo.set(message, bytes);
  }
  return bytes;
}
