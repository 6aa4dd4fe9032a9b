// Bad input gets a clear error naming the field and the value; nothing is half-applied.
import { describe, expect, it } from 'vitest';
import { loadSettings, parseCatalog, parsePolicy } from '../../src/config/index.ts';

function problems(r: { ok: boolean; diagnostics?: readonly { path: string; message: string; code: string }[] }) {
  expect(r.ok).toBe(false);
  return r.diagnostics!;
}

describe('catalog and policy parsing', () => {
  it('reports malformed YAML with line and column', () => {
    const d = problems(parsePolicy('routes:\n  - name: a\n    match: { prefix: /\n', 'policy.yaml'));
    expect(d[0]!.code).toBe('CONFIG_PARSE');
    expect(d[0]!.path).toMatch(/^policy\.yaml:\d+:\d+$/);
  });

  it('reports duplicate YAML keys as a parse error', () => {
    const d = problems(parseCatalog('services:\n  a: {}\n  a: {}\n', 'catalog.yaml'));
    expect(d[0]!.code).toBe('CONFIG_PARSE');
  });

  it('rejects unknown keys, naming the key and where it is', () => {
    const d = problems(parsePolicy('services:\n  web: { lbPolicyy: round_robin }\n', 'policy'));
    expect(d).toHaveLength(1);
    expect(d[0]!.code).toBe('CONFIG_INVALID');
    expect(d[0]!.path).toBe('policy.services.web');
    expect(d[0]!.message).toContain('lbPolicyy');
  });

  it('reports every problem at once, each with its path and the value found', () => {
    const d = problems(
      parseCatalog(
        [
          'services:',
          '  web:',
          '    instances:',
          '      - { address: localhost, port: 80 }',
          '      - { address: 10.0.0.1, port: "80" }',
          '      - { address: 10.0.0.2, port: 70000, health: sick }',
        ].join('\n'),
        'catalog',
      ),
    );
    const byPath = Object.fromEntries(d.map((x) => [x.path, x.message]));
    expect(Object.keys(byPath).sort()).toEqual([
      'catalog.services.web.instances[0].address',
      'catalog.services.web.instances[1].port',
      'catalog.services.web.instances[2].health',
      'catalog.services.web.instances[2].port',
    ]);
    expect(byPath['catalog.services.web.instances[0].address']).toContain('"localhost"');
    expect(byPath['catalog.services.web.instances[1].port']).toContain('"80"');
    expect(byPath['catalog.services.web.instances[2].health']).toContain('"sick"');
    expect(byPath['catalog.services.web.instances[2].port']).toContain('70000');
  });

  it('rejects a route with two path matchers and a bad duration', () => {
    const d = problems(
      parsePolicy('routes:\n  - { name: a, service: web, timeout: 5 sec, match: { prefix: /, path: /x } }\n', 'policy'),
    );
    const paths = d.map((x) => x.path).sort();
    expect(paths).toEqual(['policy.routes[0].match', 'policy.routes[0].timeout']);
    expect(d.find((x) => x.path.endsWith('timeout'))!.message).toContain('"5 sec"');
  });

  it('freezes parsed values', () => {
    const r = parsePolicy('routes: []\n');
    expect(r.ok && Object.isFrozen(r.value) && Object.isFrozen(r.value.routes)).toBe(true);
  });

  it('settings: a missing file is a CONFIG_READ error naming the file', () => {
    const d = problems(loadSettings('/nonexistent/gatehouse.yaml'));
    expect(d[0]).toMatchObject({ code: 'CONFIG_READ', path: '/nonexistent/gatehouse.yaml' });
  });
});
