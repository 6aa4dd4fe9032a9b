// The emulator's agent writes (register defaults and validation, TTL checks, maintenance,
// deregister) and KV (base64 values, %2F keys, 404 with index headers, recurse, keys, raw, CAS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulEmulator } from './emulator/index.ts';
import { call, untilAsync } from './helpers.ts';

let emu: ConsulEmulator;
beforeAll(async () => {
  emu = await new ConsulEmulator({ kvMaxValueSize: 64 }).start();
});
afterAll(() => emu.stop());

const put = (path: string, body?: unknown) => call(emu, 'PUT', path, body);
const checkOf = async (service: string, id: string) => {
  const [e] = (await call(emu, 'GET', `/v1/health/service/${service}`)).json<{ Checks: Record<string, string>[] }[]>();
  return e?.Checks.find((c) => c.CheckID === id);
};

describe('consul emulator: agent', () => {
  it('applies register defaults and refuses bad registrations with Consul texts', async () => {
    expect((await put('/v1/agent/service/register', { name: 'snake', port: 1, weights: { passing: 5 } })).status).toBe(
      200,
    );
    const [e] = (await call(emu, 'GET', '/v1/health/service/snake')).json<{ Service: Record<string, unknown> }[]>();
    expect(e?.Service).toMatchObject({ ID: 'snake', Weights: { Passing: 5, Warning: 0 } });
    const cases: [unknown, string][] = [
      [{ Port: 1 }, 'Missing service name'],
      [{ Name: 'x', Address: '0.0.0.0' }, 'Invalid service address'],
      [{ Name: 'x', Weights: { Passing: 0 } }, 'Invalid Weights: Passing must be greater than 0'],
      [{ Name: 'x', Meta: { 'consul-x': 'y' } }, 'Invalid Service Meta'],
      [{ Name: 'x', Check: { TTL: '1s', Status: 'bogus' } }, "Status for checks must 'passing', 'warning', 'critical'"],
      [{ Name: 'x', Check: { HTTP: 'http://x' } }, 'Invalid check: Interval must be > 0'],
      ['{nope', 'Request decode failed'],
    ];
    for (const [body, text] of cases) {
      const r = await put('/v1/agent/service/register', body);
      expect([r.status, r.text]).toEqual([400, expect.stringContaining(text)]);
    }
    expect((await call(emu, 'GET', '/v1/agent/service/register')).status).toBe(405);
  });

  it('updates TTL checks, expires them, and refuses unknown and non-TTL checks', async () => {
    await put('/v1/agent/service/register', {
      Name: 'ttl',
      Address: '10.0.0.1',
      Port: 1,
      Checks: [
        { TTL: '150ms', Status: 'passing' },
        { HTTP: 'http://10.0.0.1/h', Interval: '10s' },
      ],
    });
    expect((await checkOf('ttl', 'service:ttl:1'))?.Status).toBe('passing');
    expect((await put('/v1/agent/check/warn/service:ttl:1?note=slow')).status).toBe(200);
    expect(await checkOf('ttl', 'service:ttl:1')).toMatchObject({ Status: 'warning', Output: 'slow' });
    expect((await put('/v1/agent/check/update/service:ttl:1', { Status: 'bad' })).text).toBe(
      "Invalid check status: 'bad'",
    );
    const unknown = await put('/v1/agent/check/pass/nope');
    expect([unknown.status, unknown.text]).toEqual([
      404,
      'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
    ]);
    const http = await put('/v1/agent/check/pass/service:ttl:2');
    expect([http.status, http.text]).toEqual([500, 'CheckID "service:ttl:2" does not have associated TTL']);
    let check: Record<string, string> | undefined;
    const expired = async () => {
      check = await checkOf('ttl', 'service:ttl:1');
      return check?.Status === 'critical';
    };
    await untilAsync(expired, 3_000, 'TTL expiry');
    expect(check?.Output).toBe('TTL expired (last output before timeout follows): slow');
  });

  it('keeps other checks on re-registration unless replace-existing-checks is given', async () => {
    const ids = async () =>
      (await call(emu, 'GET', '/v1/health/checks/r')).json<{ CheckID: string }[]>().map((c) => c.CheckID);
    await put('/v1/agent/service/register', {
      Name: 'r',
      Port: 1,
      Checks: [
        { CheckID: 'a', TTL: '60s' },
        { CheckID: 'b', TTL: '60s' },
      ],
    });
    await put('/v1/agent/service/register', { Name: 'r', Port: 1, Check: { CheckID: 'a', TTL: '60s' } });
    expect((await ids()).sort()).toEqual(['a', 'b']);
    await put('/v1/agent/service/register?replace-existing-checks', {
      Name: 'r',
      Port: 1,
      Check: { CheckID: 'a', TTL: '60s' },
    });
    expect(await ids()).toEqual(['a']);
  });

  it('toggles maintenance mode and deregisters, with 404s for unknown IDs', async () => {
    await put('/v1/agent/service/register', { Name: 'm', Address: '10.0.0.2', Port: 1 });
    expect((await put('/v1/agent/service/maintenance/m')).text).toBe('Missing value for enable');
    await put('/v1/agent/service/maintenance/m?enable=true');
    expect(await checkOf('m', '_service_maintenance:m')).toMatchObject({
      Status: 'critical',
      Notes: 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
    });
    await put('/v1/agent/service/maintenance/m?enable=false');
    expect(await checkOf('m', '_service_maintenance:m')).toBeUndefined();
    const unknownMaint = await put('/v1/agent/service/maintenance/zzz?enable=true');
    expect(unknownMaint.status).toBe(404);
    expect((await put('/v1/agent/service/deregister/m')).status).toBe(200);
    expect((await call(emu, 'GET', '/v1/health/service/m')).json()).toEqual([]);
    const again = await put('/v1/agent/service/deregister/m');
    expect([again.status, again.text]).toEqual([
      404,
      'Unknown service ID "m". Ensure that the service ID is passed, not the service name.',
    ]);
  });
});

describe('consul emulator: kv', () => {
  it('stores base64 values under %2F-encoded keys and lists with recurse, keys and raw', async () => {
    expect((await put('/v1/kv/app%2Fconfig%2Fa?flags=42', 'hello')).json()).toBe(true);
    await put('/v1/kv/app/config/b', 'world');
    await put('/v1/kv/app/other', '');
    const [a] = (await call(emu, 'GET', '/v1/kv/app/config/a')).json<Record<string, unknown>[]>();
    expect(a).toMatchObject({
      Key: 'app/config/a',
      Flags: 42,
      Value: Buffer.from('hello').toString('base64'),
      LockIndex: 0,
    });
    const all = (await call(emu, 'GET', '/v1/kv/app/?recurse')).json<{ Key: string; Value: string | null }[]>();
    expect(all.map((e) => [e.Key, e.Value])).toEqual([
      ['app/config/a', 'aGVsbG8='],
      ['app/config/b', 'd29ybGQ='],
      ['app/other', null],
    ]);
    expect((await call(emu, 'GET', '/v1/kv/app/?keys&separator=/')).json()).toEqual(['app/config/', 'app/other']);
    const raw = await call(emu, 'GET', '/v1/kv/app/config/b?raw');
    expect([raw.text, raw.headers.get('content-type')]).toEqual(['world', 'text/plain; charset=utf-8']);
    expect((await call(emu, 'GET', '/v1/kv/')).text).toBe('Missing key name');
    expect((await call(emu, 'GET', '/v1/kv/a%2F..%2Fb')).status).toBe(400);
  });

  it('answers 404 with index headers, and moves the prefix index on deletes (tombstones)', async () => {
    const missing = await call(emu, 'GET', '/v1/kv/none/here');
    expect([missing.status, missing.text]).toEqual([404, '']);
    expect(Number(missing.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect((await call(emu, 'GET', '/v1/kv/none/?keys')).status).toBe(404);
    await put('/v1/kv/t/x', '1');
    const before = Number((await call(emu, 'GET', '/v1/kv/t/?recurse')).headers.get('x-consul-index'));
    const blocked = call(emu, 'GET', `/v1/kv/t/?recurse&index=${before}&wait=2s`);
    expect((await call(emu, 'DELETE', '/v1/kv/t/x')).json()).toBe(true);
    const after = await blocked;
    expect(after.status).toBe(404);
    expect(Number(after.headers.get('x-consul-index'))).toBeGreaterThan(before);
  });

  it('implements check-and-set for PUT and DELETE, flag conflicts, and the value size limit', async () => {
    expect((await put('/v1/kv/cas?cas=0', 'a')).json()).toBe(true);
    expect((await put('/v1/kv/cas?cas=0', 'b')).json()).toBe(false);
    const [e] = (await call(emu, 'GET', '/v1/kv/cas')).json<{ ModifyIndex: number }[]>();
    expect((await put(`/v1/kv/cas?cas=${(e?.ModifyIndex ?? 0) + 1}`, 'c')).json()).toBe(false);
    expect((await put(`/v1/kv/cas?cas=${e?.ModifyIndex}`, 'c')).json()).toBe(true);
    expect((await call(emu, 'DELETE', '/v1/kv/cas?cas=0')).json()).toBe(false);
    expect((await call(emu, 'DELETE', '/v1/kv/cas?cas=1&recurse')).status).toBe(400);
    expect((await put('/v1/kv/cas?cas=1&acquire=s', 'x')).text).toContain('Conflicting flags');
    expect((await put('/v1/kv/big', 'x'.repeat(65))).status).toBe(413);
    await put('/v1/kv/tree/a', '1');
    await put('/v1/kv/tree/b', '2');
    expect((await call(emu, 'DELETE', '/v1/kv/tree/?recurse')).json()).toBe(true);
    expect((await call(emu, 'GET', '/v1/kv/tree/?recurse')).status).toBe(404);
  });
});
