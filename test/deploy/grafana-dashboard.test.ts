// The Grafana dashboard and its provisioning, checked statically: every panel is wired to the
// provisioned Prometheus datasource, and every metric and label its PromQL reads exists — in the
// /metrics of a real Gatehouse started here, or in the catalogue of documented Envoy stats
// (deploy/grafana/envoy-stats.yaml). Grafana, Prometheus and Envoy themselves do not run here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCatalog, parsePolicy, settingsFile } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Gatehouse, startGatehouse } from '../../src/main.ts';
import type { Catalog, Policy } from '../../src/model/index.ts';
import type { Source } from '../../src/sources/index.ts';
import { adminGet, adminJson, waitFor } from '../e2e/harness.ts';
import {
  allPanels,
  checkQueries,
  type DashboardModel,
  dashboardQueries,
  type KnownSeries,
  seriesOf,
} from './dashboard-queries.ts';
import { promqlReads } from './promql-reads.ts';

const GRAFANA = fileURLToPath(new URL('../../deploy/grafana/', import.meta.url));
const read = (file: string) => readFileSync(path.join(GRAFANA, file), 'utf8');

interface DatasourceFile {
  datasources: { name: string; uid: string; type: string; url: string }[];
}
interface ProviderFile {
  providers: { name: string; type: string; options: { path: string } }[];
}
interface EnvoyStatsFile {
  naming: string;
  tags: string;
  scrapeLabels: string[];
  stats: Record<string, { stat: string; type: string; doc: string }>;
}

const datasources = parse(read('provisioning/datasources/prometheus.yaml')) as DatasourceFile;
const providers = parse(read('provisioning/dashboards/gatehouse.yaml')) as ProviderFile;
const dashboard = JSON.parse(read('dashboards/gatehouse.json')) as DashboardModel & Record<string, unknown>;
const envoyStats = parse(read('envoy-stats.yaml')) as EnvoyStatsFile;
const DATASOURCE_UID = datasources.datasources[0]!.uid;

/** Structural problems: panels without a title, the provisioned datasource, or a query. */
function panelProblems(d: DashboardModel, uid: string): string[] {
  const problems: string[] = [];
  for (const [i, p] of allPanels(d).entries()) {
    const name = `panel ${i} "${p.title ?? ''}"`;
    if (!p.title?.trim()) problems.push(`${name}: no title`);
    if (p.type === 'row') continue;
    if (p.datasource?.uid !== uid)
      problems.push(`${name}: datasource uid ${JSON.stringify(p.datasource?.uid)}, want "${uid}"`);
    if (!p.targets?.length) problems.push(`${name}: no targets`);
    for (const t of p.targets ?? []) {
      if (!t.expr?.trim()) problems.push(`${name} target ${t.refId}: no expr`);
      if (t.datasource && t.datasource.uid !== uid)
        problems.push(`${name} target ${t.refId}: datasource uid "${t.datasource.uid}"`);
    }
  }
  return problems;
}

/** Prometheus name of an Envoy stat: tag placeholders out, dots to underscores, "envoy_" prefix. */
function prometheusName(stat: string): string {
  return `envoy_${stat
    .replace(/<\w+>\./g, '')
    .replace(/<\w+>/g, '')
    .replaceAll('.', '_')}`;
}

/** The labels the default tag extractors make of a stat's placeholders. */
function tagLabels(stat: string): string[] {
  return [...stat.matchAll(/<(\w+)>/g)].map((m) => `envoy_${m[1]}`);
}

const envoySeries = seriesOf(
  Object.entries(envoyStats.stats).map(([name, s]) => ({ name, type: s.type, labels: tagLabels(s.stat) })),
  envoyStats.scrapeLabels,
);

describe('Grafana provisioning', () => {
  it('provisions one Prometheus datasource with a fixed uid at http://prometheus:9090', () => {
    expect(datasources.datasources).toHaveLength(1);
    expect(datasources.datasources[0]).toMatchObject({
      uid: 'gatehouse-prometheus',
      type: 'prometheus',
      url: 'http://prometheus:9090',
    });
  });

  it('loads dashboards from an absolute path, and the dashboard has a fixed uid and a recent schema', () => {
    expect(providers.providers).toHaveLength(1);
    expect(providers.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    expect(dashboard.uid).toBe('gatehouse-overview');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    // Provisioned dashboards must not carry a database id.
    expect(dashboard.id ?? null).toBeNull();
    const ids = allPanels(dashboard).map((p) => (p as { id?: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every panel a title, the provisioned datasource and at least one query', () => {
    expect(allPanels(dashboard).filter((p) => p.type !== 'row').length).toBeGreaterThanOrEqual(20);
    expect(panelProblems(dashboard, DATASOURCE_UID)).toEqual([]);
  });

  it('matches the compose Prometheus: scrape interval, and the envoy_role values the panels filter on', () => {
    const prometheus = parse(readFileSync(path.join(GRAFANA, '../compose/prometheus.yml'), 'utf8')) as {
      global: { scrape_interval: string };
      scrape_configs: { job_name: string; static_configs: { labels?: Record<string, string> }[] }[];
    };
    // $__rate_interval is derived from timeInterval: it must be the real scrape interval.
    expect((datasources.datasources[0] as { jsonData?: { timeInterval?: string } }).jsonData?.timeInterval).toBe(
      prometheus.global.scrape_interval,
    );
    const roles = new Set(
      prometheus.scrape_configs.flatMap((j) => j.static_configs.map((s) => s.labels?.envoy_role)).filter(Boolean),
    );
    const filtered = dashboardQueries(dashboard).flatMap((q) =>
      promqlReads(q.expr).selectors.flatMap((s) =>
        s.matchers.filter((m) => m.label === 'envoy_role' && m.op === '=').map((m) => m.value),
      ),
    );
    expect(filtered.length).toBeGreaterThan(0);
    for (const role of filtered) expect(roles).toContain(role);
  });

  it('templates on the Envoy role and cluster', () => {
    const names = (dashboard.templating?.list ?? []).map((v) => (v as { name: string }).name);
    expect(names).toEqual(['envoy_role', 'envoy_cluster_name']);
  });
});

describe('Envoy stats catalogue', () => {
  it('names each stat as Envoy exports it to Prometheus, with a link to the documentation', () => {
    const docs = /^https:\/\/www\.envoyproxy\.io\/docs\/envoy\/latest\/\S+$/;
    expect(envoyStats.naming).toMatch(docs);
    expect(envoyStats.tags).toMatch(docs);
    for (const [name, s] of Object.entries(envoyStats.stats)) {
      expect({ name, doc: s.doc }).toEqual({ name: prometheusName(s.stat), doc: expect.stringMatching(docs) });
      expect(['counter', 'gauge', 'histogram']).toContain(s.type);
    }
  });

  it('derives names and labels the way the tag extractors do', () => {
    expect(prometheusName('cluster.<cluster_name>.upstream_rq_<response_code_class>xx')).toBe(
      'envoy_cluster_upstream_rq_xx',
    );
    expect(prometheusName('cluster.<cluster_name>.ext_authz.<ext_authz_prefix>.ok')).toBe('envoy_cluster_ext_authz_ok');
    expect(tagLabels('http.<http_conn_manager_prefix>.downstream_rq_<response_code_class>xx')).toEqual([
      'envoy_http_conn_manager_prefix',
      'envoy_response_code_class',
    ]);
  });
});

function fixed<T>(name: string, value: T): Source<T> {
  return { name, start: (sink) => sink.update(value), stop: async () => {} };
}

// An edge with ext_authz (an api-key route) and one sidecar: every kind of Envoy the dashboard shows.
const CATALOG = `
services:
  web: { instances: [{ address: 10.0.0.1, port: 8080 }] }
  api: { instances: [{ address: 10.0.0.2, port: 8080 }] }
`;
const POLICY = `
listener: { address: 0.0.0.0, port: 10000 }
services:
  web: { sidecar: { inboundPort: 15006, outboundPort: 15001, appPort: 8080, upstreams: [api] } }
  api: { circuitBreaker: { maxConnections: 10 }, outlierDetection: { consecutive5xx: 3 } }
routes:
  - { name: api, match: { prefix: /api/ }, service: api }
  - { name: web, match: { prefix: / }, service: web }
auth:
  defaults: { auth: none }
  routes:
    api: { auth: api-key }
  consumers:
    batch: { keys: [{ id: k1, digest: "sha256:${'a'.repeat(64)}" }] }
`;

describe('metrics the dashboard queries', () => {
  let gatehouse: Gatehouse;
  let gatehouseSeries: Map<string, KnownSeries>;
  const statPrefixes = { hcm: new Set<string>(), extAuthz: new Set<string>() };

  beforeAll(async () => {
    const catalog = parseCatalog(CATALOG);
    const policy = parsePolicy(POLICY);
    if (!catalog.ok || !policy.ok) throw new Error('fixture');
    const settings = settingsFile.parse({
      xds: { address: '127.0.0.1:0' },
      admin: { address: '127.0.0.1:0' },
      authz: { address: '127.0.0.1:0' },
      catalog: { file: 'unused.yaml' },
      log: { level: 'silent' },
    });
    gatehouse = await startGatehouse(settings, {
      log: createLogger('silent'),
      catalog: fixed<Catalog>('catalog', catalog.value),
      policy: fixed<Policy>('policy', policy.value),
    });
    await waitFor('readyz', async () => (await adminGet(gatehouse, '/readyz')).status === 200);

    const { status, body } = await adminGet(gatehouse, '/metrics');
    expect(status).toBe(200);
    const metrics = [...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => {
      // Label names are not in the exposition when a metric has no sample yet: ask the registry.
      const m = gatehouse.metrics.registry.getSingleMetric(name!) as { labelNames?: readonly string[] } | undefined;
      return { name: name!, type: type!, labels: m?.labelNames ?? [] };
    });
    gatehouseSeries = seriesOf(metrics, ['job', 'instance']);

    for (const profile of ['edge', 'sidecar/web']) {
      const dump = await adminJson<unknown>(gatehouse, `/debug/snapshot?profile=${profile}&format=json`);
      expect(dump.status).toBe(200);
      collectStatPrefixes(dump.json, statPrefixes);
    }
  });
  afterAll(() => gatehouse?.stop());

  const lookup = (name: string) =>
    name.startsWith('gatehouse_')
      ? gatehouseSeries.get(name)
      : name.startsWith('envoy_')
        ? envoySeries.get(name)
        : undefined;

  it('reads only metrics a running Gatehouse exports or documented Envoy stats, with labels they carry', () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThanOrEqual(30);
    expect(checkQueries(queries, lookup)).toEqual([]);
  });

  it('queries every Gatehouse metric the dashboard is meant to show', () => {
    const read = new Set(
      dashboardQueries(dashboard).flatMap((q) => promqlReads(q.expr).selectors.map((s) => s.metric)),
    );
    for (const name of [
      'gatehouse_xds_connected_nodes',
      'gatehouse_xds_responses_total',
      'gatehouse_xds_nacks_total',
      'gatehouse_xds_publish_to_ack_seconds_bucket',
      'gatehouse_build_duration_seconds_bucket',
      'gatehouse_source_healthy',
      'gatehouse_source_state_since_seconds',
      'gatehouse_authz_decisions_total',
      'gatehouse_authz_check_duration_seconds_bucket',
      'gatehouse_authz_jwks_fetches_total',
      'envoy_http_downstream_rq_xx',
      'envoy_cluster_upstream_rq_total',
      'envoy_cluster_upstream_rq_time_bucket',
      'envoy_cluster_outlier_detection_ejections_active',
      'envoy_cluster_upstream_rq_pending_overflow',
      'envoy_cluster_upstream_cx_overflow',
      'envoy_cluster_upstream_rq_retry_overflow',
    ]) {
      expect(read, name).toContain(name);
    }
    // Every catalogued Envoy stat is used: the catalogue documents the dashboard, nothing more.
    for (const name of Object.keys(envoyStats.stats)) {
      const used = [...read].some((m) => m === name || m === `${name}_bucket`);
      expect(used, name).toBe(true);
    }
  });

  it('filters on the stat prefixes Gatehouse gives the edge and sidecar connection managers and ext_authz', () => {
    const wanted = { envoy_http_conn_manager_prefix: statPrefixes.hcm, envoy_ext_authz_prefix: statPrefixes.extAuthz };
    expect(statPrefixes.hcm).toContain('edge_http');
    expect(statPrefixes.extAuthz.size).toBe(1);
    const used: string[] = [];
    for (const q of dashboardQueries(dashboard)) {
      for (const s of promqlReads(q.expr).selectors) {
        for (const m of s.matchers) {
          if (m.op !== '=' || !(m.label in wanted)) continue;
          used.push(m.value);
          expect(wanted[m.label as keyof typeof wanted], `${q.where}: ${m.label}="${m.value}"`).toContain(m.value);
        }
      }
    }
    expect(used.length).toBeGreaterThan(0);
  });

  it('reports a misspelt metric, a missing label, a bare histogram name and a syntax error', () => {
    const ds = { type: 'prometheus', uid: DATASOURCE_UID };
    const broken: DashboardModel = {
      panels: [
        {
          type: 'timeseries',
          title: 'typos',
          datasource: ds,
          targets: [
            { refId: 'A', expr: 'sum by (profile) (gatehouse_xds_conected_nodes)' },
            { refId: 'B', expr: 'sum(rate(envoy_cluster_upstream_rq_totl[$__rate_interval]))' },
            { refId: 'C', expr: 'sum by (envoy_cluster) (rate(envoy_cluster_upstream_rq_total[5m]))' },
            { refId: 'D', expr: 'rate(gatehouse_authz_decisions_total{outcome="allow"}[5m])' },
            { refId: 'E', expr: 'histogram_quantile(0.99, rate(gatehouse_build_duration_seconds[5m]))' },
            { refId: 'F', expr: 'sum(rate(gatehouse_xds_nacks_total[5m])' },
          ],
        },
        { type: 'timeseries', title: '', datasource: { uid: 'other' }, targets: [] },
      ],
      templating: {
        list: [{ name: 'cluster', type: 'query', query: 'label_values(envoy_cluster_upstream_rq_total, cluster)' }],
      },
    };
    expect(checkQueries(dashboardQueries(broken), lookup)).toEqual([
      'panel "typos" target A: unknown metric "gatehouse_xds_conected_nodes"',
      'panel "typos" target B: unknown metric "envoy_cluster_upstream_rq_totl"',
      'panel "typos" target C: groups "envoy_cluster_upstream_rq_total" by "envoy_cluster", a label it has not',
      'panel "typos" target D: metric "gatehouse_authz_decisions_total" has no label "outcome"',
      'panel "typos" target E: unknown metric "gatehouse_build_duration_seconds"',
      expect.stringMatching(/^panel "typos" target F: syntax error at offset \d+/),
      'variable "cluster": groups "envoy_cluster_upstream_rq_total" by "cluster", a label it has not',
    ]);
    expect(panelProblems(broken, DATASOURCE_UID)).toEqual([
      'panel 1 "": no title',
      'panel 1 "": datasource uid "other", want "gatehouse-prometheus"',
      'panel 1 "": no targets',
    ]);
    // The same queries spelt right pass: the check rejects the typos, not the shapes.
    const fixedQueries = [
      { where: 'A', expr: 'sum by (profile) (gatehouse_xds_connected_nodes)' },
      { where: 'B', expr: 'sum(rate(envoy_cluster_upstream_rq_total[5m]))' },
      { where: 'C', expr: 'sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total[5m]))' },
      { where: 'D', expr: 'rate(gatehouse_authz_decisions_total{result="allow"}[5m])' },
      { where: 'E', expr: 'histogram_quantile(0.99, sum by (le) (rate(gatehouse_build_duration_seconds_bucket[5m])))' },
    ];
    expect(checkQueries(fixedQueries, lookup)).toEqual([]);
  });
});

/** Collects the stat_prefix of every connection manager and ext_authz filter in a config dump. */
function collectStatPrefixes(value: unknown, into: { hcm: Set<string>; extAuthz: Set<string> }): void {
  if (Array.isArray(value)) {
    for (const v of value) collectStatPrefixes(v, into);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (typeof o.stat_prefix === 'string') {
    if ('http_filters' in o) into.hcm.add(o.stat_prefix);
    if ('grpc_service' in o) into.extAuthz.add(o.stat_prefix);
  }
  for (const v of Object.values(o)) collectStatPrefixes(v, into);
}
