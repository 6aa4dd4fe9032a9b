// Schema of the settings file: how Gatehouse itself runs (addresses, sources, timings).
import { z } from 'zod';
import { durationMs } from './duration.ts';

/** "host:port" with a numeric port (0 = pick a free port, for tests). */
export const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be "host:port", e.g. "127.0.0.1:18000"')
  .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

export const settingsFile = z.strictObject({
  xds: z.strictObject({ address: listenAddress.default('127.0.0.1:18000') }).default({ address: '127.0.0.1:18000' }),
  admin: z.strictObject({ address: listenAddress.default('127.0.0.1:9902') }).default({ address: '127.0.0.1:9902' }),
  catalog: z.strictObject({ file: z.string().min(1) }),
  policy: z.strictObject({ file: z.string().min(1) }),
  pipeline: z
    .strictObject({
      quietPeriod: durationMs.default(100),
      maxDelay: durationMs.default(1000),
    })
    .default({ quietPeriod: 100, maxDelay: 1000 }),
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
    .default({ level: 'info' }),
});

export type Settings = z.output<typeof settingsFile>;
