// authz.md §b.3 rows 32–35: digests only, lookup by digest, scanner-friendly checksummed format,
// rotation by overlapping windows, revocation as a live policy change, uniform 401s.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeyDigest, createApiKey, isWellFormedApiKey, lookupApiKey } from '../../src/authz/api-keys.ts';
import { keysCreate } from '../../src/authz/cli.ts';
import type { ApiKeyRecord } from '../../src/authz/compiled.ts';
import { decodedCheckRequest, headersOf, onTheWire } from './fixtures/envoy.ts';
import { compile, service } from './fixtures/policy.ts';
import { ManualClock } from './fixtures/tokens.ts';

const DAY = 86_400_000;

describe('format and digest (§b #32, #34)', () => {
  it('keys are gatehouse_ + 32 random + 6 checksum base62 characters, unique, and the checksum catches typos', () => {
    const keys = new Set(Array.from({ length: 500 }, () => createApiKey().key));
    expect(keys.size).toBe(500);
    for (const key of keys) {
      expect(key).toMatch(/^gatehouse_[0-9A-Za-z]{38}$/);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
    const { key } = createApiKey();
    const typo = `${key.slice(0, 10)}${key[10] === 'a' ? 'b' : 'a'}${key.slice(11)}`;
    expect(isWellFormedApiKey(typo)).toBe(false);
    expect(isWellFormedApiKey(`${key}x`)).toBe(false);
    expect(isWellFormedApiKey(key.replace('gatehouse_', 'gatehousx_'))).toBe(false);
  });

  it('the digest is SHA-256 of the key and reveals nothing of it', () => {
    const { key, digest } = createApiKey();
    expect(digest).toBe(`sha256:${createHash('sha256').update(key).digest('hex')}`);
    expect(apiKeyDigest(key)).toBe(digest);
    expect(digest).not.toContain(key.slice(3, 12));
  });

  it('keys create prints the key once and the digest entry for the policy', () => {
    const text = keysCreate('billing', new Date('2030-01-01T00:00:00Z'));
    const key = /gatehouse_[0-9A-Za-z]{38}/.exec(text)![0];
    expect(text.split(key)).toHaveLength(2);
    expect(text).toContain(`- digest: ${apiKeyDigest(key)}`);
    expect(text).toContain('    billing:');
    expect(() => keysCreate('Bad Name')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('lookup (§b #33, #35)', () => {
  const now = Date.UTC(2030, 0, 10);
  const a = createApiKey();
  const record = (o: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
    consumer: 'c',
    id: undefined,
    notBefore: undefined,
    expires: undefined,
    roles: [],
    ...o,
  });
  const table = new Map([[a.digest, record({ notBefore: now - DAY, expires: now + DAY })]]);

  it.each([
    ['valid inside its window', a.key, now, 'valid'],
    ['before notBefore', a.key, now - 2 * DAY, 'api_key_not_yet_valid'],
    ['at expiry', a.key, now + DAY, 'api_key_expired'],
    ['unknown but well formed', createApiKey().key, now, 'api_key_unknown'],
    ['malformed', 'not-a-key', now, 'api_key_malformed'],
  ])('%s', (_n, key, at, want) => {
    const r = lookupApiKey(key, table, at);
    expect(r.kind === 'valid' ? 'valid' : r.reason).toBe(want);
  });
});

describe('through the Check service', () => {
  const oldKey = createApiKey();
  const newKey = createApiKey();
  const T = Date.UTC(2030, 0, 1);
  const policy = (keys: object[]) =>
    compile({
      consumers: { billing: { keys: keys as never, roles: [] } },
      routes: { api: { auth: 'api-key' } },
    });
  const check = async (svc: ReturnType<typeof service>['svc'], key: string) =>
    onTheWire(
      await svc.check(
        decodedCheckRequest({ policyKey: 'route/api', path: '/api/invoices', headers: { 'x-api-key': key } }),
      ),
    );

  it('rotation: old and new keys overlap, then only the new one works', async () => {
    const clock = new ManualClock(T);
    const { svc, source } = service(clock);
    source.publish(
      'v1',
      policy([
        { digest: oldKey.digest, id: 'old', expires: new Date(T + DAY).toISOString() },
        { digest: newKey.digest, id: 'new', notBefore: new Date(T).toISOString() },
      ]),
    );
    expect((await check(svc, oldKey.key)).status?.code).toBe(0);
    expect((await check(svc, newKey.key)).status?.code).toBe(0);
    clock.advance(DAY);
    expect((await check(svc, oldKey.key)).denied_response?.status?.code).toBe('Unauthorized');
    expect((await check(svc, newKey.key)).status?.code).toBe(0);
  });

  it('revocation is a policy change and takes effect on the next Check', async () => {
    const clock = new ManualClock(T);
    const { svc, source } = service(clock);
    source.publish('v1', policy([{ digest: oldKey.digest }, { digest: newKey.digest }]));
    expect((await check(svc, oldKey.key)).status?.code).toBe(0);
    source.publish('v2', policy([{ digest: newKey.digest }]));
    expect((await check(svc, oldKey.key)).denied_response?.status?.code).toBe('Unauthorized');
    expect((await check(svc, newKey.key)).status?.code).toBe(0);
  });

  it('unknown, expired and malformed keys get identical 401 responses (no enumeration)', async () => {
    const clock = new ManualClock(T + 2 * DAY);
    const { svc, source } = service(clock);
    source.publish('v1', policy([{ digest: oldKey.digest, expires: new Date(T + DAY).toISOString() }]));
    const responses = await Promise.all([oldKey.key, createApiKey().key, 'gatehouse_short'].map((k) => check(svc, k)));
    const shapes = responses.map((r) => ({
      headers: headersOf(r),
      body: r.denied_response?.body,
      status: r.denied_response?.status?.code,
    }));
    expect(shapes[0]!.headers['www-authenticate']).toBe(
      'ApiKey realm="gatehouse", header="x-api-key", error="invalid_key", error_description="invalid api key"',
    );
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
  });
});
