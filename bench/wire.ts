// Just enough protobuf wire reading for the load client: the top-level string fields of a
// DiscoveryResponse and a count of its resources, without decoding any resource (a thousand
// simulated clients decoding thousands of resources would measure the client, not the server).

/** The top-level fields the load client needs. */
export interface ResponseHead {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: number;
  bytes: number;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** Reads version_info (1), resources (2, counted), type_url (4) and nonce (5). */
export function readResponseHead(buf: Buffer): ResponseHead {
  const head: ResponseHead = { versionInfo: '', typeUrl: '', nonce: '', resources: 0, bytes: buf.length };
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = varint(buf, pos);
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      [, pos] = varint(buf, pos);
      continue;
    }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire}`);
    let len: number;
    [len, pos] = varint(buf, pos);
    if (field === 1) head.versionInfo = buf.toString('utf8', pos, pos + len);
    else if (field === 2) head.resources++;
    else if (field === 4) head.typeUrl = buf.toString('utf8', pos, pos + len);
    else if (field === 5) head.nonce = buf.toString('utf8', pos, pos + len);
    pos += len;
  }
  return head;
}
