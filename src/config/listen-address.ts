// "host:port" addresses in settings: the syntax check and the split into host and port.
import { z } from 'zod';

/** "host:port" with a numeric port (0 = pick a free port, for tests). */
export const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be "host:port", e.g. "127.0.0.1:18000"')
  // `!(> 65535)`: a value the regex already refused (no numeric port) gets only the regex's message.
  .refine((a) => !(Number(a.slice(a.lastIndexOf(':') + 1)) > 65535), 'port must be at most 65535');

/** Splits "host:port" (IPv6 hosts may be bracketed) into its parts. */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}
