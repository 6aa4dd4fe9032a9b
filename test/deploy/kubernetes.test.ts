// Static checks of deploy/kubernetes for machines with no cluster: every kustomization lists
// exactly its folder's files; every manifest passes the Kubernetes OpenAPI schema
// (kubernetes-models); the fields operators rely on hold (replicas, probes, budgets, selectors,
// resources, a locked-down securityContext); the ConfigMap files pass Gatehouse's own parsers and
// agree with the manifests; the edge bootstrap passes Envoy's Bootstrap rules. Last, the policy
// file source follows a ConfigMap update the way the kubelet writes it.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { compile } from '../../src/compile.ts';
import { loadSettings, observabilityTarget, parseCatalog, parsePolicy, splitHostPort } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import type { Policy } from '../../src/model/index.ts';
import { decode, encode } from '../../src/protos.ts';
import { LISTENER } from '../../src/resource-types.ts';
import { fileSource } from '../../src/sources/index.ts';
import { fromEnvoyJson } from '../../src/translate/config-dump.ts';
import { validateEncoded } from '../../src/translate/validate/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'deploy/kubernetes');
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

// biome-ignore lint/suspicious/noExplicitAny: manifests and decoded Bootstrap trees are read field by field in assertions
type Obj = Record<string, any>;

interface Kustomization {
  readonly dir: string;
  readonly namespace?: string;
  readonly resources?: string[];
  readonly configMapGenerator?: { name: string; files: string[]; options?: Obj }[];
  readonly images?: { name: string; newName?: string; newTag?: string }[];
}

/** Every kustomization under DIR, following `resources:` folders from the top one. */
function kustomizations(dir = DIR): Kustomization[] {
  const k = { dir, ...parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) } as Kustomization;
  const folders = (k.resources ?? []).filter((r) =>
    statSync(path.join(dir, r), { throwIfNoEntry: false })?.isDirectory(),
  );
  return [k, ...folders.flatMap((f) => kustomizations(path.join(dir, f)))];
}

const all = kustomizations();
const top = all[0]!;
const manifests: Obj[] = all.flatMap((k) =>
  (k.resources ?? [])
    .filter((r) => r.endsWith('.yaml'))
    .flatMap((r) => parseAllDocuments(readFileSync(path.join(k.dir, r), 'utf8')).map((d) => d.toJS() as Obj)),
);
const find = (kind: string, name: string): Obj => {
  const m = manifests.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!m) throw new Error(`no ${kind} "${name}" in deploy/kubernetes`);
  return m;
};
/** A generated ConfigMap's file: [kustomization folder, file name]. */
const generated = (name: string): { file: string; options?: Obj } => {
  for (const k of all) {
    const g = k.configMapGenerator?.find((x) => x.name === name);
    if (g) return { file: path.join(k.dir, g.files[0]!), ...(g.options && { options: g.options }) };
  }
  throw new Error(`no configMapGenerator "${name}"`);
};

const SCHEMAS: Record<string, { new (data: Obj): { validate(): void } }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

const gatehouse = find('Deployment', 'gatehouse');
const pod = gatehouse.spec.template.spec;
const container = pod.containers[0];
const service = find('Service', 'gatehouse');
const edge = find('Deployment', 'edge-envoy');
const envoy = edge.spec.template.spec.containers[0];

/** The containerPort a probe or Service targets (by name or number). */
const containerPort = (c: Obj, port: string | number): number => {
  const p = typeof port === 'number' ? port : c.ports.find((x: Obj) => x.name === port)?.containerPort;
  if (p === undefined) throw new Error(`container ${c.name} has no port named "${port}"`);
  return p;
};
/** The value after `flag` in an argument list. */
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
/** Where a container sees `file` of the ConfigMap volume that `configMap` names. */
const mountedAt = (spec: Obj, c: Obj, configMap: string, file: string): string => {
  const volume = spec.volumes.find((v: Obj) => v.configMap?.name === configMap);
  const mount = c.volumeMounts.find((m: Obj) => m.name === volume?.name);
  if (!mount) throw new Error(`ConfigMap ${configMap} is not mounted in ${c.name}`);
  // subPath mounts never see ConfigMap updates.
  expect(mount.subPath).toBeUndefined();
  return path.posix.join(mount.mountPath, file);
};

const settingsFile = generated('gatehouse-settings').file;
const settings = (() => {
  const s = loadSettings(settingsFile);
  if (!s.ok) throw new Error(`deploy/kubernetes settings: ${JSON.stringify(s.diagnostics)}`);
  return s.value;
})();
const policyText = readFileSync(generated('gatehouse-policy').file, 'utf8');
const bootstrapJson = parse(readFileSync(generated('edge-envoy-bootstrap').file, 'utf8')) as Obj;
const bootstrap = decode<Obj>(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, bootstrapJson)));

describe('deploy/kubernetes kustomizations', () => {
  it.each(all.map((k) => [path.relative(ROOT, k.dir), k] as const))(
    '%s lists every file in its folder, and only those',
    (_, k) => {
      const listed = [...(k.resources ?? []), ...(k.configMapGenerator ?? []).flatMap((g) => g.files)].sort();
      const present = readdirSync(k.dir)
        .filter((f) => f !== 'kustomization.yaml')
        .sort();
      expect(listed).toEqual(present);
    },
  );

  it('sets one namespace for everything, and the gatehouse image by name', () => {
    expect(top.namespace).toBe('gatehouse');
    expect(find('Namespace', top.namespace!)).toBeDefined();
    expect(manifests.filter((m) => m.metadata.namespace !== undefined)).toEqual([]);
    expect(top.images?.map((i) => i.name)).toContain(container.image);
  });

  it('every manifest passes the Kubernetes OpenAPI schema of its kind', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(7);
    for (const m of manifests) {
      const Schema = SCHEMAS[`${m.apiVersion}/${m.kind}`];
      expect(Schema, `a schema for ${m.apiVersion} ${m.kind}`).toBeDefined();
      expect(() => new Schema!(m).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
    }
  });

  it('the schema check can fail: a string where replicas is an integer', () => {
    expect(() => new Deployment({ ...gatehouse, spec: { ...gatehouse.spec, replicas: 'two' } }).validate()).toThrow(
      /replicas must be integer/,
    );
  });
});

/** kubectl, when this machine has it: its built-in kustomize renders the tree as `apply -k` would. */
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) {
  console.log('skipping kubectl kustomize: no kubectl on this machine; the manifests are still checked one by one');
}

describe('kubectl kustomize', () => {
  it.skipIf(!kubectl)(
    'renders the tree: generated ConfigMap names reach the volumes, every object in the namespace',
    () => {
      const rendered = parseAllDocuments(execFileSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' })).map(
        (d) => d.toJS() as Obj,
      );
      const configMaps = rendered.filter((m) => m.kind === 'ConfigMap').map((m) => m.metadata.name as string);
      expect(configMaps).toContain('gatehouse-policy');
      expect(configMaps.some((n) => /^gatehouse-settings-\w+$/.test(n))).toBe(true);
      expect(configMaps.some((n) => /^edge-envoy-bootstrap-\w+$/.test(n))).toBe(true);
      for (const d of rendered.filter((m) => m.kind === 'Deployment')) {
        for (const v of d.spec.template.spec.volumes) expect(configMaps, d.metadata.name).toContain(v.configMap.name);
      }
      for (const m of rendered.filter((x) => x.kind !== 'Namespace')) {
        expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe(top.namespace);
      }
      const image = rendered.find((m) => m.kind === 'Deployment' && m.metadata.name === 'gatehouse')!.spec.template.spec
        .containers[0].image;
      expect(image).toBe(`${container.image}:${top.images![0]!.newTag}`);
    },
  );
});

describe('the gatehouse Deployment', () => {
  it('runs two replicas spread across nodes, rolling one at a time', () => {
    expect(gatehouse.spec.replicas).toBe(2);
    expect(gatehouse.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const spread = pod.topologySpreadConstraints?.find((t: Obj) => t.topologyKey === 'kubernetes.io/hostname');
    expect(spread?.labelSelector.matchLabels).toEqual(gatehouse.spec.selector.matchLabels);
  });

  it('probes the admin port: readiness /readyz, liveness /healthz, and a startup probe', () => {
    const admin = splitHostPort(settings.admin.address).port;
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect(containerPort(container, probe.httpGet.port)).toBe(admin);
    }
  });

  it('sets resource requests and limits', () => {
    for (const c of [container, envoy]) {
      expect(c.resources.requests, c.name).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits, c.name).toMatchObject({ memory: expect.any(String) });
    }
  });

  it('runs locked down: non-root (the image user), no privilege escalation, read-only root, no capabilities, seccomp', () => {
    const dockerUser = DockerfileParser.parse(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))
      .getInstructions()
      .filter((i) => i.getKeyword() === 'USER')
      .at(-1)!
      .getArgumentsContent()!;
    expect(pod.securityContext.runAsUser).toBe(Number(dockerUser.split(':')[0]));
    for (const [spec, c] of [
      [pod, container],
      [edge.spec.template.spec, envoy],
    ]) {
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('uses its own ServiceAccount, which mounts no token', () => {
    const sa = find('ServiceAccount', pod.serviceAccountName);
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('reads the settings ConfigMap, which names the mounted policy ConfigMap and Consul from the environment', () => {
    expect(container.args.slice(0, 2)).toEqual(['serve', '--config']);
    expect(argAfter(container.args, '--config')).toBe(
      mountedAt(pod, container, 'gatehouse-settings', 'gatehouse.yaml'),
    );
    expect(settings.policy.file).toBe(mountedAt(pod, container, 'gatehouse-policy', 'policy.yaml'));
    expect(settings.catalog.consul).toBe(true);
    const consul = container.env.find((e: Obj) => e.name === 'CONSUL_HTTP_ADDR')?.value;
    expect(consul).toMatch(/^https?:\/\/[^/]+:\d+$/);
    // Settings are read once: a hashed name rolls the pods. The policy is watched: a fixed name
    // keeps the mount, which the kubelet then updates in place.
    expect(generated('gatehouse-settings').options?.disableNameSuffixHash).toBeUndefined();
    expect(generated('gatehouse-policy').options?.disableNameSuffixHash).toBe(true);
  });

  it('the policy ConfigMap passes the policy parser and builds an edge listener', () => {
    const policy = parsePolicy(policyText, 'policy.yaml');
    expect(policy.ok).toBe(true);
    const catalog = parseCatalog('services: {}');
    if (!catalog.ok || !policy.ok) throw new Error('fixture');
    expect(compile(catalog.value, policy.value as Policy).snapshot).toBeDefined();
  });

  it('listens on every interface, on the ports the container declares', () => {
    for (const [name, address] of [
      ['xds', settings.xds.address],
      ['authz', settings.authz.address],
      ['admin', settings.admin.address],
    ] as const) {
      const { host, port } = splitHostPort(address);
      expect(host, name).toBe('0.0.0.0');
      expect(containerPort(container, name), name).toBe(port);
    }
  });
});

describe('the gatehouse Service and PodDisruptionBudget', () => {
  it('the Service selects the Deployment and exposes xds (gRPC), authz (gRPC) and admin by name', () => {
    expect(service.spec.selector).toEqual(gatehouse.spec.selector.matchLabels);
    expect(gatehouse.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const ports = Object.fromEntries(service.spec.ports.map((p: Obj) => [p.name, p]));
    expect(Object.keys(ports).sort()).toEqual(['admin', 'authz', 'xds']);
    expect(ports.xds.appProtocol).toBe('grpc');
    expect(ports.authz.appProtocol).toBe('grpc');
    for (const p of Object.values(ports) as Obj[]) {
      expect(containerPort(container, p.targetPort), p.name).toBe(p.port);
    }
  });

  it('Envoys are told to dial ext_authz at the Service, by its DNS name in the namespace', () => {
    const { host, port } = splitHostPort(settings.authz.advertise!);
    expect(host).toBe(`${service.metadata.name}.${top.namespace}.svc.cluster.local`);
    expect(port).toBe(service.spec.ports.find((p: Obj) => p.name === 'authz').port);
  });

  it('the budget keeps one replica and selects exactly the Deployment pods', () => {
    const pdb = find('PodDisruptionBudget', 'gatehouse');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(gatehouse.spec.selector.matchLabels);
    const labels = gatehouse.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
  });
});

describe('the example edge Envoy', () => {
  const violations = (json: unknown) => validateEncoded(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, json)));

  it('its bootstrap is a valid Bootstrap with no PGV violations, and a broken copy is caught', () => {
    expect(violations(bootstrapJson)).toEqual([]);
    const broken = structuredClone(bootstrapJson);
    broken.static_resources.listeners[0].address.socket_address.port_value = 70000;
    expect(violations(broken).map((v) => v.rule)).toEqual(['uint32.lte']);
  });

  it('reaches Gatehouse through the Service DNS name (STRICT_DNS, HTTP/2), as an edge node', () => {
    expect(bootstrap.node.metadata.fields['gatehouse.profile'].stringValue).toBe('edge');
    expect(bootstrap.dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name).toBe('gatehouse_xds');
    const xds = bootstrap.static_resources.clusters.find((c: Obj) => c.name === 'gatehouse_xds');
    expect(xds.type).toBe('STRICT_DNS');
    expect(
      xds.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'],
    ).toBeDefined();
    const address = xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(address.address).toBe(`${service.metadata.name}.${top.namespace}.svc.cluster.local`);
    expect(address.port_value).toBe(service.spec.ports.find((p: Obj) => p.name === 'xds').port);
  });

  it('keeps the admin on loopback where Gatehouse expects it, and exposes only /ready on the probe port', () => {
    const admin = bootstrap.admin.address.socket_address;
    expect(`${admin.address}:${admin.port_value}`).toBe(settings.observability.stats.edge.admin);
    const health = bootstrap.static_resources.listeners.find((l: Obj) => l.name === 'envoy_health');
    expect(health.address.socket_address.port_value).toBe(containerPort(envoy, 'health'));
    const hcm = decode<Obj>(
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      health.filter_chains[0].filters[0].typed_config.value,
    );
    const routes = hcm.route_config.virtual_hosts.flatMap((v: Obj) => v.routes);
    expect(routes.map((r: Obj) => [r.match.path, r.route.cluster])).toEqual([['/ready', 'envoy_admin']]);
    expect(edge.spec.template.spec.containers[0].readinessProbe.httpGet).toMatchObject({
      path: '/ready',
      port: 'health',
    });
  });

  it('runs the mounted bootstrap, each pod its own node id, on the ports of the listeners Gatehouse sends an edge', () => {
    expect(argAfter(envoy.args, '--config-path')).toBe(
      mountedAt(
        edge.spec.template.spec,
        envoy,
        'edge-envoy-bootstrap',
        path.basename(generated('edge-envoy-bootstrap').file),
      ),
    );
    expect(argAfter(envoy.args, '--service-node')).toBe('$(POD_NAME)');
    expect(envoy.env.find((e: Obj) => e.name === 'POD_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');

    const catalog = parseCatalog(
      'services: { web: { metadata: { gatehouse-route: / }, instances: [{ address: 10.0.0.1, port: 8080 }] } }',
    );
    const policy = parsePolicy(policyText, 'policy.yaml');
    if (!catalog.ok || !policy.ok) throw new Error('fixture');
    const snapshot = compile(catalog.value, policy.value, {
      observability: observabilityTarget(settings.observability),
    }).snapshot!;
    const ports = [...(snapshot.view('edge')?.[LISTENER].entries.values() ?? [])].map(
      (e) => decode<Obj>(e.messageName, e.value).address.socket_address.port_value,
    );
    expect(ports).toContain(containerPort(envoy, 'http'));
    expect(ports).toContain(containerPort(envoy, 'stats'));
    const edgeService = find('Service', 'edge-envoy');
    expect(edgeService.spec.selector).toEqual(edge.spec.selector.matchLabels);
    expect(containerPort(envoy, edgeService.spec.ports[0].targetPort)).toBe(containerPort(envoy, 'http'));
  });
});

describe('a policy ConfigMap update', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reaches the watched policy file the way the kubelet writes it (a new folder, then ..data renamed over)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-configmap-'));
    dirs.push(dir);
    const version = (name: string, text: string) => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'policy.yaml'), text);
    };
    version('..2025_01_01_00_00_00.1', 'listener: { address: 0.0.0.0, port: 10000 }\n');
    symlinkSync('..2025_01_01_00_00_00.1', path.join(dir, '..data'));
    symlinkSync('..data/policy.yaml', path.join(dir, 'policy.yaml'));

    const seen: Policy[] = [];
    let next: ((p: Policy) => void) | undefined;
    const source = fileSource({
      name: 'policy',
      file: path.join(dir, 'policy.yaml'),
      parse: parsePolicy,
      log: createLogger('silent'),
    });
    source.start({
      update: (p) => {
        seen.push(p);
        next?.(p);
      },
      reject: (d) => {
        throw new Error(JSON.stringify(d));
      },
    });
    expect(seen.map((p) => p.listener.port)).toEqual([10000]);

    const updated = new Promise<Policy>((resolve, reject) => {
      next = resolve;
      setTimeout(() => reject(new Error('no update within 3 s of the ..data swap')), 3000).unref();
    });
    version('..2025_01_01_00_01_00.2', 'listener: { address: 0.0.0.0, port: 10001 }\n');
    symlinkSync('..2025_01_01_00_01_00.2', path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    rmSync(path.join(dir, '..2025_01_01_00_00_00.1'), { recursive: true });
    try {
      expect((await updated).listener.port).toBe(10001);
    } finally {
      await source.stop();
    }
  });
});
