// Pure parts of the Consul sources: environment variables, health/weight mapping, rate pacing.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCALITY_KEYS } from '../../src/sources/consul/index.ts';
import { healthOf, mapService } from '../../src/sources/consul/mapping.ts';
import { consulOptionsFromEnv, normalizeAddress } from '../../src/sources/consul/options.ts';
import { backoffDelay, TokenBucket } from '../../src/sources/consul/rate.ts';

describe('consulOptionsFromEnv', () => {
  it('reads what the Consul CLI reads', () => {
    expect(consulOptionsFromEnv({})).toEqual({});
    expect(
      consulOptionsFromEnv({
        CONSUL_HTTP_ADDR: 'consul.service:8501',
        CONSUL_HTTP_SSL: 'true',
        CONSUL_HTTP_TOKEN: 's3cret',
        CONSUL_HTTP_TOKEN_FILE: '/run/token',
        CONSUL_CACERT: '/etc/ca.pem',
        CONSUL_TLS_SERVER_NAME: 'server.dc1.consul',
        CONSUL_HTTP_SSL_VERIFY: 'false',
      }),
    ).toEqual({
      address: 'https://consul.service:8501',
      token: 's3cret',
      tokenFile: '/run/token',
      caFile: '/etc/ca.pem',
      tlsServerName: 'server.dc1.consul',
      insecureSkipVerify: true,
    });
    expect(consulOptionsFromEnv({ CONSUL_HTTP_ADDR: 'http://10.0.0.1' }).address).toBe('http://10.0.0.1:8500');
    expect(consulOptionsFromEnv({ CONSUL_HTTP_SSL: '1' }).address).toBe('https://127.0.0.1:8501');
  });

  it('refuses addresses and flags it cannot use', () => {
    expect(() => consulOptionsFromEnv({ CONSUL_HTTP_ADDR: 'unix:///tmp/consul.sock' })).toThrow(/unix sockets/);
    expect(() => consulOptionsFromEnv({ CONSUL_HTTP_SSL: 'maybe' })).toThrow(/CONSUL_HTTP_SSL/);
    expect(() => normalizeAddress('ftp://x:1')).toThrow(/http or https/);
    expect(() => normalizeAddress('http://x:1/v1')).toThrow(/without a path/);
  });
});

const entry = (checks: [string, string][], weights?: { Passing?: number; Warning?: number }) => ({
  Node: { Node: 'n1', Address: '10.0.0.1', Meta: { region: 'r', zone: 'z' } },
  Service: { ID: 's1', Service: 'svc', Port: 80, ...(weights && { Weights: weights }) },
  Checks: checks.map(([CheckID, Status]) => ({ CheckID, Status })),
});

describe('health mapping', () => {
  it.each([
    [[['serfHealth', 'passing']], undefined, { health: 'healthy', weight: 1 }],
    [[], { Passing: 500, Warning: 1 }, { health: 'healthy', weight: 128 }],
    [[['c', 'warning']], { Passing: 10, Warning: 3 }, { health: 'healthy', weight: 3 }],
    [[['c', 'warning']], { Passing: 10, Warning: 0 }, { health: 'unhealthy', weight: 1 }],
    [
      [
        ['c', 'critical'],
        ['d', 'warning'],
      ],
      undefined,
      { health: 'unhealthy', weight: 1 },
    ],
    [[['serfHealth', 'critical']], undefined, { health: 'unhealthy', weight: 1 }],
    [[['_service_maintenance:s1', 'critical']], undefined, { health: 'draining', weight: 1 }],
    [[['_node_maintenance', 'critical']], { Passing: 4, Warning: 1 }, { health: 'draining', weight: 4 }],
  ] as const)('%j with weights %j -> %j', (checks, weights, want) => {
    expect(healthOf(entry(checks as unknown as [string, string][], weights))).toEqual(want);
  });

  it('keeps the healthiest of two instances sharing address:port, with a warning', () => {
    const a = entry([['c', 'critical']]);
    const b = { ...entry([]), Service: { ...a.Service, ID: 's2' } };
    const m = mapService('svc', [a, b], DEFAULT_LOCALITY_KEYS);
    expect(m.service.instances.map((i) => [i.id, i.health])).toEqual([['n1/s2', 'healthy']]);
    expect(m.diagnostics[0]?.message).toContain('share 10.0.0.1:80');
    expect(m.service.instances[0]?.locality).toEqual({ region: 'r', zone: 'z', subZone: '' });
  });
});

describe('pacing', () => {
  it('lets a burst through, then spaces calls by the interval', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1_000, () => now);
    expect([bucket.delay(), bucket.delay(), bucket.delay()]).toEqual([0, 0, 1_000]);
    now = 1_000;
    expect(bucket.delay()).toBe(0);
    now = 60_000;
    expect([bucket.delay(), bucket.delay(), bucket.delay()]).toEqual([0, 0, 1_000]);
  });

  it('backs off exponentially with jitter, capped', () => {
    const b = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 10].map((n) => backoffDelay(n, b, () => 0))).toEqual([50, 100, 200, 500]);
    expect([1, 10].map((n) => backoffDelay(n, b, () => 1))).toEqual([100, 1_000]);
  });
});
