// What a PromQL expression reads: the metrics it selects, the labels it matches them on, and the
// labels it groups by. Parsed with Prometheus' own grammar (@prometheus-io/lezer-promql), so
// function names, keywords, durations, strings and label names are never taken for metrics.
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** One label matcher of a selector, e.g. `envoy_role=~"edge"`. */
export interface Matcher {
  readonly label: string;
  readonly op: string;
  /** The string literal without its quotes (escapes left as written). */
  readonly value: string;
}

/** A vector selector: a metric name and its matchers. */
export interface Selector {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
}

/** Labels named by `by (...)`, `on (...)` or `ignoring (...)`, and the metrics they apply to. */
export interface Grouping {
  readonly labels: readonly string[];
  readonly metrics: readonly string[];
}

/** Everything one expression reads, plus why it could not be read completely. */
export interface PromqlReads {
  readonly selectors: readonly Selector[];
  readonly groupings: readonly Grouping[];
  readonly errors: readonly string[];
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (n: SyntaxNode) => {
    for (const c of children(n)) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** Parses `expr` and lists what it reads; syntax errors and unnamed selectors land in `errors`. */
export function promqlReads(expr: string): PromqlReads {
  const tree = parser.parse(expr);
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const groupings: Grouping[] = [];
  const metricsUnder = (n: SyntaxNode) =>
    descendants(n, 'VectorSelector').flatMap((v) => {
      const id = v.getChild('Identifier');
      return id ? [text(id)] : [];
    });

  tree.iterate({
    enter: (ref) => {
      const node = ref.node;
      if (node.type.isError) {
        errors.push(`syntax error at offset ${node.from} near "${expr.slice(node.from, node.from + 20)}"`);
        return;
      }
      if (node.name === 'VectorSelector') {
        const id = node.getChild('Identifier');
        // A selector without a name ({__name__="..."} or {job="x"}) cannot be checked: refuse it.
        if (!id) errors.push(`selector "${text(node)}" names no metric`);
        const matchers: Matcher[] = [];
        for (const m of descendants(node, 'UnquotedLabelMatcher')) {
          const [label, op, value] = [m.getChild('LabelName'), m.getChild('MatchOp'), m.getChild('StringLiteral')];
          if (label && op && value)
            matchers.push({ label: text(label), op: text(op), value: text(value).slice(1, -1) });
        }
        if (descendants(node, 'QuotedLabelMatcher').length + descendants(node, 'QuotedLabelName').length > 0) {
          errors.push(`selector "${text(node)}" uses quoted label names`);
        }
        if (id) selectors.push({ metric: text(id), matchers });
      }
      // `sum by (a, b) (x)`: the grouping labels must exist on the metrics inside the aggregation.
      if (node.name === 'AggregateExpr') {
        const modifier = node.getChild('AggregateModifier');
        const body = node.getChild('FunctionCallBody');
        if (modifier?.getChild('Without')) errors.push(`"without" is not checked; use "by" in "${text(node)}"`);
        const labels = modifier?.getChild('GroupingLabels')?.getChildren('LabelName').map(text) ?? [];
        if (labels.length > 0 && body) groupings.push({ labels, metrics: metricsUnder(body) });
      }
      // `a / on (x) b`: the matching labels must exist on both sides.
      if (node.name === 'MatchingModifierClause' && node.parent) {
        const labels = node.getChild('GroupingLabels')?.getChildren('LabelName').map(text) ?? [];
        if (labels.length > 0) groupings.push({ labels, metrics: metricsUnder(node.parent) });
      }
    },
  });
  return { selectors, groupings, errors };
}
