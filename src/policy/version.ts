// A policy's version: a content hash that ignores key order and formatting, so the same policy
// written twice (or by another replica) has the same version.
import { createHash } from 'node:crypto';
import type { Policy } from '../model/index.ts';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** 16 hex characters of SHA-256 over the policy's canonical JSON. */
export function policyVersion(policy: Policy): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(policy)))
    .digest('hex')
    .slice(0, 16);
}
