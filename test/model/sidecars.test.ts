// The model's sidecars: who can have one, its ports and app port, its upstream list; every
// mistake in a declared sidecar policy is a diagnostic naming the field.
import { describe, expect, it } from 'vitest';
import { parseCatalog, parsePolicy } from '../../src/config/index.ts';
import { build } from '../../src/model/index.ts';

function built(policy: string) {
  const c = parseCatalog(`services:
  web:
    instances:
      - { address: 10.0.0.2, port: 81 }
      - { address: 10.0.0.10, port: 82 }
      - { address: 10.0.0.1, port: 80 }
  grpc-api:
    instances: [{ address: 10.0.1.1, port: 50051 }]
  idle: {}
`);
  const p = parsePolicy(policy);
  if (!c.ok || !p.ok) throw new Error(`fixture invalid: ${JSON.stringify(p.ok ? c : p)}`);
  return build(c.value, p.value);
}

describe('model sidecars', () => {
  it('every service with instances gets one on the default ports, app port from its first instance by address', () => {
    const { model, diagnostics } = built('services:\n  grpc-api: { protocol: grpc }\n');
    expect(diagnostics).toEqual([]);
    expect(model.sidecars).toEqual([
      { service: 'grpc-api', inboundPort: 15006, outboundPort: 15001, appPort: 50051, appProtocol: 'grpc' },
      { service: 'web', inboundPort: 15006, outboundPort: 15001, appPort: 80, appProtocol: 'http' },
    ]);
    expect(model.sidecarHosts.map((h) => h.domains)).toEqual([
      ['grpc-api', 'grpc-api:*'],
      ['idle', 'idle:*'],
      ['web', 'web:*'],
    ]);
  });

  it('a declared sidecar sets its ports and upstream list; the clusters are those its routes use', () => {
    const { model, diagnostics } = built(`services:
  grpc-api:
    subsets: { canary: { tags: [canary] } }
  idle:
    sidecar: { appPort: 7000, inboundPort: 7001, outboundPort: 7002, upstreams: [grpc-api, web, grpc-api] }
routes:
  - { name: canary, domains: [grpc-api], match: { prefix: / }, service: grpc-api, subset: canary }
`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(model.sidecars.find((s) => s.service === 'idle')).toEqual({
      service: 'idle',
      inboundPort: 7001,
      outboundPort: 7002,
      appPort: 7000,
      appProtocol: 'http',
      upstreams: { services: ['grpc-api', 'web'], clusters: ['grpc-api', 'grpc-api/canary', 'web'] },
    });
  });

  it('reports an unknown upstream, a declared sidecar with no app port, and clashing declared ports', () => {
    const { model, diagnostics } = built(`services:
  web: { sidecar: { upstreams: [billing] } }
  idle: { sidecar: {} }
  grpc-api: { sidecar: { inboundPort: 50051 } }
`);
    expect(diagnostics.map((d) => [d.severity, d.path, d.message])).toEqual([
      ['error', 'policy.services.grpc-api.sidecar', expect.stringContaining('three different ports')],
      [
        'error',
        'policy.services.idle.sidecar.appPort',
        'sidecar of "idle" has no app port: the service has no instances; set appPort',
      ],
      ['error', 'policy.services.web.sidecar.upstreams[0]', 'sidecar of "web" may call unknown service "billing"'],
    ]);
    expect(model.sidecars).toEqual([]);
  });

  it('an undeclared sidecar whose app port clashes with a default port is only a warning, and has no view', () => {
    const c = parseCatalog('services:\n  proxy:\n    instances: [{ address: 10.0.0.1, port: 15001 }]\n');
    const p = parsePolicy('{}');
    if (!c.ok || !p.ok) throw new Error('fixture invalid');
    const { model, diagnostics } = build(c.value, p.value);
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'policy.services.proxy.sidecar' }),
    ]);
    expect(model.sidecars).toEqual([]);
  });
});
