// The PromQL a Grafana dashboard runs (panel targets and query variables), and the check that
// every metric and label it reads exists in a catalogue of known series.
import { promqlReads } from './promql-reads.ts';

/** The parts of Grafana's dashboard JSON model this check reads. */
export interface DashboardModel {
  readonly panels?: readonly Panel[];
  readonly templating?: { readonly list?: readonly Variable[] };
}
export interface Panel {
  readonly type?: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string } | null;
  readonly targets?: readonly {
    readonly expr?: string;
    readonly refId?: string;
    readonly datasource?: { uid?: string };
  }[];
  /** A row's panels (collapsed rows keep their panels here). */
  readonly panels?: readonly Panel[];
}
interface Variable {
  readonly name?: string;
  readonly type?: string;
  readonly query?: string | { readonly query?: string };
}

/** One PromQL query and where the dashboard runs it. */
export interface Query {
  readonly where: string;
  readonly expr: string;
  /** Set for `label_values(selector, label)` variables: the label that must exist. */
  readonly label?: string;
}

/** A metric series Prometheus will hold, with every label it may carry. */
export interface KnownSeries {
  readonly labels: ReadonlySet<string>;
}

/** Every panel, rows' nested panels included, in dashboard order. */
export function allPanels(d: DashboardModel): Panel[] {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

// Grafana fills these in before Prometheus sees the query; any valid duration parses the same.
const GRAFANA_DURATIONS = /\$(?:\{__(?:rate_interval|interval|range)\}|__(?:rate_interval|interval|range)\b)/g;

/** The queries of every panel target and query variable. */
export function dashboardQueries(d: DashboardModel): Query[] {
  const queries: Query[] = [];
  for (const p of allPanels(d)) {
    for (const t of p.targets ?? []) {
      queries.push({
        where: `panel "${p.title}" target ${t.refId}`,
        expr: (t.expr ?? '').replace(GRAFANA_DURATIONS, '5m'),
      });
    }
  }
  for (const v of d.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const labelValues = /^label_values\((.+),\s*([A-Za-z_]\w*)\s*\)$/.exec(q.trim());
    // label_values(label) alone reads no metric; every other form is refused, so none goes unchecked.
    queries.push(
      labelValues
        ? { where: `variable "${v.name}"`, expr: labelValues[1]!, label: labelValues[2]! }
        : { where: `variable "${v.name}"`, expr: q },
    );
  }
  return queries;
}

/**
 * Problems with `queries` given the known series (`lookup` answers for exact Prometheus names,
 * histogram suffixes included): syntax errors, unknown metrics, labels a metric does not carry.
 */
export function checkQueries(queries: readonly Query[], lookup: (name: string) => KnownSeries | undefined): string[] {
  const problems: string[] = [];
  for (const q of queries) {
    const reads = promqlReads(q.expr);
    for (const e of reads.errors) problems.push(`${q.where}: ${e} in ${JSON.stringify(q.expr)}`);
    if (reads.selectors.length === 0 && reads.errors.length === 0) problems.push(`${q.where}: queries no metric`);
    const labelsOf = (metric: string) => lookup(metric)?.labels;
    for (const s of reads.selectors) {
      const labels = labelsOf(s.metric);
      if (!labels) {
        problems.push(`${q.where}: unknown metric "${s.metric}"`);
        continue;
      }
      for (const m of s.matchers) {
        if (!labels.has(m.label)) problems.push(`${q.where}: metric "${s.metric}" has no label "${m.label}"`);
      }
    }
    const groupings = [...reads.groupings];
    if (q.label) groupings.push({ labels: [q.label], metrics: reads.selectors.map((s) => s.metric) });
    for (const g of groupings) {
      for (const metric of g.metrics) {
        const labels = labelsOf(metric);
        for (const label of g.labels) {
          if (labels && !labels.has(label))
            problems.push(`${q.where}: groups "${metric}" by "${label}", a label it has not`);
        }
      }
    }
  }
  return problems;
}

/** Expands metrics into the series Prometheus stores (histograms: _bucket with le, _sum, _count). */
export function seriesOf(
  metrics: readonly { name: string; type: string; labels: readonly string[] }[],
  targetLabels: readonly string[],
): Map<string, KnownSeries> {
  const series = new Map<string, KnownSeries>();
  for (const m of metrics) {
    const labels = new Set([...m.labels, ...targetLabels]);
    if (m.type === 'histogram') {
      series.set(`${m.name}_bucket`, { labels: new Set([...labels, 'le']) });
      series.set(`${m.name}_sum`, { labels });
      series.set(`${m.name}_count`, { labels });
    } else {
      series.set(m.name, { labels });
    }
  }
  return series;
}
