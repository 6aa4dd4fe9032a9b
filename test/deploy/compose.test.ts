// docker-compose.yml and deploy/compose/ without a container engine: the compose file against the
// Compose specification's JSON schema (shipped by dclint), pinned images, mounts that exist, and
// the files agreeing with each other — the ports the demo instances register are the ports the
// policy's sidecars use, Prometheus scrapes the stats listeners the settings ask for, the issuer
// signs for the provider the policy trusts, and the policy compiles against what the demo
// services register in Consul.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registrationBody } from '../../demo/consul-registration.ts';
import { instanceConfig } from '../../demo/instance-config.ts';
import { compile } from '../../src/compile.ts';
import { loadSettings, observabilityTarget, parseCatalog, parsePolicy } from '../../src/config/index.ts';
import { hasErrors } from '../../src/errors.ts';
import { decode } from '../../src/protos.ts';
import { LISTENER } from '../../src/resource-types.ts';
import { dependencies, hostPort, loadCompose, ROOT, repoText, volumeParts } from './compose-file.ts';

const compose = loadCompose();
const services = Object.entries(compose.services);

const require = createRequire(import.meta.url);
const schemaFile = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
// The schema declares draft-07 by an https URL Ajv does not know; the meta-schema check is skipped,
// the validation itself is draft-07. strict: false because the schema uses annotations Ajv does not.
const validate = new Ajv({ strict: false, allErrors: true, validateSchema: false }).compile(
  JSON.parse(readFileSync(schemaFile, 'utf8')),
);
const schemaErrors = (doc: unknown) =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

/** The host ports the README walkthrough uses. */
const WALKTHROUGH_PORTS = {
  edge: 10000,
  'gatehouse admin': 9902,
  issuer: 8090,
  'demo-http-1': 8081,
  'demo-http-2': 8082,
  'demo-http-3': 8083,
  consul: 8500,
  prometheus: 9090,
  grafana: 3000,
  jaeger: 16686,
};

/** Demo app services: those running a demo/*-service.ts program. */
const apps = services.filter(([, s]) => s.command?.some((c) => /^demo\/.*-service\.ts$/.test(c)));

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    expect(schemaErrors(compose)).toEqual([]);
  });

  it('the schema check fails on a misspelt key or a wrong type', () => {
    const broken = loadCompose();
    (broken.services.consul as Record<string, unknown>).imagee = 'x';
    (broken.services.jaeger as Record<string, unknown>).ports = '16686:16686';
    expect(schemaErrors(broken)).toEqual([
      expect.stringContaining('/services/consul must NOT have additional properties'),
      expect.stringContaining('/services/jaeger/ports must be array'),
    ]);
  });

  it('pins every pulled image to a version (no latest, no *-latest, no bare name)', () => {
    const unpinned = services
      .filter(([, s]) => s.build === undefined)
      .filter(
        ([, s]) => !/^[^:@]+(:[^:@/]+|@sha256:[0-9a-f]{64})$/.test(s.image ?? '') || /:(.*-)?latest$/.test(s.image!),
      )
      .map(([name, s]) => `${name}: ${s.image}`);
    expect(unpinned).toEqual([]);
  });

  it('builds only from contexts that have a Dockerfile, each built image with an explicit tag', () => {
    for (const [name, s] of services.filter(([, s]) => s.build !== undefined)) {
      const context = typeof s.build === 'string' ? s.build : s.build!.context;
      const dockerfile = typeof s.build === 'string' ? 'Dockerfile' : (s.build!.dockerfile ?? 'Dockerfile');
      expect(existsSync(path.join(ROOT, context, dockerfile)), `${name}: ${context}/${dockerfile}`).toBe(true);
      expect(s.image, name).toMatch(/:[a-z0-9][a-z0-9._-]*$/);
    }
  });

  it('bind-mounts only paths that exist in the repository, and declares every named volume', () => {
    const missing: string[] = [];
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const { source } = volumeParts(v);
        if (source.startsWith('.') || source.startsWith('/')) {
          if (!existsSync(path.join(ROOT, source))) missing.push(`${name}: ${source}`);
        } else if (!(source in (compose.volumes ?? {}))) missing.push(`${name}: volume ${source} is not declared`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('depends only on services that exist, and shares only existing services’ network namespaces', () => {
    const names = new Set(Object.keys(compose.services));
    for (const [name, s] of services) {
      for (const d of dependencies(s)) expect(names.has(d), `${name} depends_on ${d}`).toBe(true);
      if (s.network_mode?.startsWith('service:')) {
        expect(names.has(s.network_mode.slice('service:'.length)), `${name} ${s.network_mode}`).toBe(true);
      }
    }
  });

  it('publishes the ports the walkthrough uses, each once', () => {
    const published = services.flatMap(([, s]) => (s.ports ?? []).map(hostPort));
    expect(new Set(published).size).toBe(published.length);
    for (const [what, port] of Object.entries(WALKTHROUGH_PORTS)) expect(published, what).toContain(port);
  });

  it('runs demo programs that exist, from the Gatehouse image', () => {
    const programs = services.filter(([, s]) => s.command?.some((c) => c.startsWith('demo/')));
    expect(programs.map(([n]) => n).sort()).toEqual([
      'demo-grpc-1',
      'demo-http-1',
      'demo-http-2',
      'demo-http-3',
      'issuer',
    ]);
    for (const [name, s] of programs) {
      expect(s.entrypoint, name).toEqual(['node']);
      expect(s.image, name).toBe(compose.services.gatehouse!.image);
      for (const c of s.command!) expect(existsSync(path.join(ROOT, c)), `${name}: ${c}`).toBe(true);
    }
  });

  it('gives every demo program a health check of its own (the image’s checks Gatehouse, not them)', () => {
    const programs = services.filter(([, s]) => s.command?.some((c) => c.startsWith('demo/')));
    for (const [name, s] of programs) {
      const test = s.healthcheck?.test ?? [];
      expect(test.length, name).toBeGreaterThan(0);
      expect(test.join(' '), name).not.toContain('src/cli.ts');
    }
  });

  it('gives every demo instance its own sidecar Envoy in its network namespace, with the right bootstrap', () => {
    expect(apps.length).toBeGreaterThanOrEqual(3);
    const nodeIds = new Set<string>();
    for (const [app, s] of apps) {
      const sidecars = services.filter(([, x]) => x.network_mode === `service:${app}`);
      expect(sidecars.length, app).toBe(1);
      const [, sidecar] = sidecars[0]!;
      expect(sidecar.image).toMatch(/^envoyproxy\/envoy:/);
      const nodeId = sidecar.command![sidecar.command!.indexOf('--service-node') + 1]!;
      nodeIds.add(nodeId);
      const [bootstrapFile] = (sidecar.volumes ?? [])
        .map(volumeParts)
        .filter((v) => v.target === '/etc/envoy/envoy.yaml');
      const bootstrap = parse(readFileSync(path.join(ROOT, bootstrapFile!.source), 'utf8'));
      expect(bootstrap.node.metadata, app).toEqual({
        'gatehouse.profile': 'sidecar',
        'gatehouse.service': s.environment!.SERVICE_NAME,
      });
    }
    expect(nodeIds.size).toBe(apps.length);
  });

  it('health-checks Gatehouse with `gatehouse check`, whose own timeout is below the engine’s', () => {
    const check = compose.services.gatehouse!.healthcheck!;
    expect(check.test.slice(0, 4)).toEqual(['CMD', 'node', 'src/cli.ts', 'check']);
    const seconds = (d: string | undefined) => Number(/^(\d+)s$/.exec(d ?? '')?.[1]);
    const own = seconds(check.test[check.test.indexOf('--timeout') + 1]);
    expect(own).toBeLessThan(seconds(check.timeout));
    // Everything behind the edge waits for this check: a slow first start must not fail it.
    expect(seconds(check.start_period)).toBeGreaterThanOrEqual(30);
  });

  it('opens Grafana on the provisioned dashboard file', () => {
    const grafana = compose.services.grafana!;
    const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    const mount = grafana.volumes!.map(volumeParts).find((v) => home.startsWith(`${v.target}/`))!;
    expect(mount, home).toBeDefined();
    expect(existsSync(path.join(ROOT, mount.source, home.slice(mount.target.length)))).toBe(true);
    const provider = parse(repoText('deploy/grafana/provisioning/dashboards/gatehouse.yaml')).providers[0];
    expect(provider.options.path).toBe(mount.target);
  });

  it('has at least two instances of each version-split service, so stopping one moves traffic', () => {
    const http = apps
      .filter(([, s]) => s.environment?.SERVICE_NAME === 'demo-http')
      .map(([, s]) => s.environment!.VERSION);
    expect(http.filter((v) => v === 'v1').length).toBeGreaterThanOrEqual(2);
    expect(http).toContain('v2');
  });
});

describe('deploy/compose/gatehouse.yaml', () => {
  const settings = loadSettings(path.join(ROOT, 'deploy/compose/gatehouse.yaml'));

  it('loads with Gatehouse’s own settings loader', () => {
    expect(settings.ok ? [] : settings.diagnostics).toEqual([]);
  });

  it('is the file the gatehouse service runs with, mounted where the command says', () => {
    const gh = compose.services.gatehouse!;
    const mount = gh.volumes!.map(volumeParts).find((v) => v.source === './deploy/compose')!;
    expect(gh.command).toEqual(['serve', '--config', `${mount.target}/gatehouse.yaml`]);
  });

  it('sends traces to the compose collector, which forwards them to Jaeger', () => {
    if (!settings.ok) throw new Error('settings do not load');
    const { tracing } = settings.value.observability;
    expect(tracing).toMatchObject({ enabled: true, collector: 'otel-collector:4317' });
    const otel = parse(repoText('deploy/compose/otel-collector.yaml'));
    expect(otel.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(otel.exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317');
    expect(otel.service.pipelines.traces.exporters).toEqual(['otlp/jaeger']);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['otel-collector', 'jaeger']));
  });

  it('has Prometheus scrape Gatehouse and every Envoy’s stats listener, labelled by role', () => {
    if (!settings.ok) throw new Error('settings do not load');
    const { stats } = settings.value.observability;
    const port = (address: string) => address.slice(address.lastIndexOf(':') + 1);
    const prometheus = parse(repoText('deploy/compose/prometheus.yml'));
    const job = (name: string) => prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === name);
    expect(job('gatehouse').static_configs[0].targets).toEqual([`gatehouse:${port(settings.value.admin.address)}`]);
    const envoy = job('envoy');
    expect(envoy.metrics_path).toBe('/stats/prometheus');
    // Prometheus 3 fails a scrape with a missing or unknown Content-Type unless a fallback is named.
    expect(envoy.fallback_scrape_protocol).toBe('PrometheusText0.0.4');
    const byRole = Object.fromEntries(
      envoy.static_configs.map((c: { labels: { envoy_role: string }; targets: string[] }) => [
        c.labels.envoy_role,
        c.targets,
      ]),
    );
    expect(byRole.edge).toEqual([`edge-envoy:${port(stats.edge.address)}`]);
    expect([...byRole.sidecar].sort()).toEqual(apps.map(([app]) => `${app}:${port(stats.sidecar.address)}`).sort());
  });
});

describe('deploy/compose/policy.yaml', () => {
  const parsed = parsePolicy(repoText('deploy/compose/policy.yaml'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  const policy = parsed.value;

  it('is what policy-seed writes to the KV key Gatehouse watches', () => {
    const settings = parse(repoText('deploy/compose/gatehouse.yaml'));
    const seed = compose.services['policy-seed']!;
    expect(seed.volumes!.map(volumeParts)).toContainEqual(
      expect.objectContaining({ source: './deploy/compose/policy.yaml' }),
    );
    expect(seed.command!.join(' ')).toContain(`consul kv put ${settings.policy.consulPrefix}/policy.yaml @`);
  });

  it('trusts the demo issuer: its iss, audience and the JWKS file it writes to the shared volume', () => {
    const issuer = compose.services.issuer!;
    const provider = policy.auth!.providers.demo!;
    expect(provider.issuer).toBe(issuer.environment!.ISSUER);
    expect(provider.audiences).toEqual([issuer.environment!.AUDIENCE]);
    expect(provider.keys.file).toBe(issuer.environment!.JWKS_FILE);
    const dir = path.posix.dirname(provider.keys.file!);
    const shared = (name: string) => compose.services[name]!.volumes!.map(volumeParts).find((v) => v.target === dir);
    expect(shared('issuer')?.source).toBe('jwks');
    expect(shared('gatehouse')).toEqual({ source: 'jwks', target: dir, mode: 'ro' });
  });

  it('has a canary split the walkthrough can dial: one v1 and one v2 weight line', () => {
    const text = repoText('deploy/compose/policy.yaml');
    expect(text.match(/subset: v1, weight: \d+/g)).toHaveLength(1);
    expect(text.match(/subset: v2, weight: \d+/g)).toHaveLength(1);
  });

  // What the compose demo instances register in Consul (their environment through the demo's own
  // code), as the catalog Gatehouse builds from Consul.
  const catalogText = () => {
    const byService: Record<string, { instances: unknown[] }> = {};
    apps.forEach(([, s], i) => {
      const config = instanceConfig(
        { ...s.environment, REGISTER_ADDRESS: `10.0.0.${i + 1}` },
        { port: 0, serviceName: '' },
      );
      const kind = s.environment!.SERVICE_NAME === 'demo-grpc' ? 'tcp' : 'http';
      const reg = registrationBody(config, config.port, kind);
      byService[reg.Name] ??= { instances: [] };
      byService[reg.Name]!.instances.push({ address: reg.Address, port: reg.Port, tags: reg.Tags, metadata: reg.Meta });
    });
    return JSON.stringify({ services: byService });
  };

  it('compiles against what the demo services register, and each sidecar forwards to its app port', () => {
    const catalog = parseCatalog(catalogText());
    if (!catalog.ok) throw new Error(JSON.stringify(catalog.diagnostics));
    const settings = loadSettings(path.join(ROOT, 'deploy/compose/gatehouse.yaml'));
    const observability = settings.ok ? observabilityTarget(settings.value.observability) : undefined;
    const compiled = compile(catalog.value, policy, {
      authz: { host: 'gatehouse', port: 18001, timeoutMs: 250 },
      observability,
    });
    expect(hasErrors(compiled.diagnostics) ? compiled.diagnostics : []).toEqual([]);
    for (const [, s] of apps) {
      const service = s.environment!.SERVICE_NAME!;
      const sidecar = policy.services[service]!.sidecar!;
      // The instance registers its sidecar's inbound port; the sidecar reaches the app on PORT.
      expect(Number(s.environment!.REGISTER_PORT), service).toBe(sidecar.inboundPort);
      expect(Number(s.environment!.PORT), service).toBe(sidecar.appPort);
      const view = compiled.snapshot!.view(`sidecar/${service}`)!;
      const inbound = [...view[LISTENER].entries.values()]
        .map((e) =>
          decode<{ name: string; address: { socket_address: { port_value: number } } }>(e.messageName, e.value),
        )
        .find((l) => l.name === 'sidecar-inbound');
      expect(inbound?.address.socket_address.port_value, service).toBe(sidecar.inboundPort);
    }
  });
});

it('the deploy/compose folder holds only files the compose setup uses', () => {
  const mounted = services.flatMap(([, s]) => (s.volumes ?? []).map((v) => volumeParts(v).source));
  const used = (file: string) =>
    mounted.some((m) => m === `./deploy/compose/${file}` || m === './deploy/compose') &&
    statSync(path.join(ROOT, 'deploy/compose', file)).isFile();
  const files = ['gatehouse.yaml', 'policy.yaml', 'prometheus.yml', 'otel-collector.yaml', 'envoy-edge.yaml'];
  for (const f of files) expect(used(f), f).toBe(true);
});
