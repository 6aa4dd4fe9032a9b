// A small subset of Consul's `filter` expression language (go-bexpr), enough for the documented
// examples: ==, !=, in, not in, contains, not contains, matches, is empty, is not empty, and/or/not,
// parentheses, dotted selectors into maps. A bad expression is a 500 with the parse error, as in Consul.
import { HttpError } from './http-util.ts';

type Pred = (row: unknown) => boolean;

const TOKEN = /\s*(\(|\)|==|!=|"(?:[^"\\]|\\.)*"|`[^`]*`|[A-Za-z0-9_.\-/:]+)/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(text);
    if (!m?.[1]) throw fail(`unexpected input at ${TOKEN.lastIndex}`);
    out.push(m[1]);
  }
  return out;
}

const fail = (why: string) => new HttpError(500, `Failed to create boolean expression evaluator: ${why}`);

function literal(tok: string | undefined): string {
  if (tok === undefined) throw fail('expected a value');
  if (tok.startsWith('"')) return JSON.parse(tok) as string;
  if (tok.startsWith('`')) return tok.slice(1, -1);
  return tok;
}

function select(row: unknown, path: string): unknown {
  let cur: unknown = row;
  for (const [i, seg] of path.split('.').entries()) {
    if (!cur || typeof cur !== 'object') return undefined;
    if (i === 0 && !(seg in cur)) throw fail(`Selector "${path}" is not valid`);
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

const asText = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const contains = (hay: unknown, needle: string) =>
  Array.isArray(hay)
    ? hay.map(asText).includes(needle)
    : hay && typeof hay === 'object'
      ? needle in hay
      : asText(hay).includes(needle);
const empty = (v: unknown) =>
  v === null || v === undefined || v === '' || (typeof v === 'object' && Object.keys(v).length === 0);

/** Compiles a filter expression to a row predicate; throws the 500 Consul gives for bad input. */
export function compileFilter(text: string): Pred {
  const toks = tokenize(text);
  let i = 0;
  const peek = (k = 0) => toks[i + k];
  const eat = (t: string) => {
    if (toks[i] !== t) throw fail(`expected "${t}" at token ${i}`);
    i++;
  };
  const orExpr = (): Pred => {
    let left = andExpr();
    while (peek() === 'or') {
      i++;
      const a = left;
      const b = andExpr();
      left = (r) => a(r) || b(r);
    }
    return left;
  };
  const andExpr = (): Pred => {
    let left = unary();
    while (peek() === 'and') {
      i++;
      const a = left;
      const b = unary();
      left = (r) => a(r) && b(r);
    }
    return left;
  };
  const unary = (): Pred => {
    if (peek() === 'not') {
      i++;
      const inner = unary();
      return (r) => !inner(r);
    }
    if (peek() === '(') {
      i++;
      const inner = orExpr();
      eat(')');
      return inner;
    }
    return match();
  };
  const match = (): Pred => {
    const a = toks[i++];
    if (a === undefined) throw fail('unexpected end of expression');
    const op = peek() === 'not' || peek() === 'is' ? `${peek()} ${peek(1)}` : peek();
    if (op === 'in' || op === 'not in') {
      i += op === 'in' ? 1 : 2;
      const sel = toks[i++] ?? '';
      const v = literal(a);
      return op === 'in' ? (r) => contains(select(r, sel), v) : (r) => !contains(select(r, sel), v);
    }
    if (op === 'is empty' || op === 'is not') {
      i += 2;
      if (op === 'is not') eat('empty');
      return op === 'is empty' ? (r) => empty(select(r, a)) : (r) => !empty(select(r, a));
    }
    if (op === '==' || op === '!=' || op === 'contains' || op === 'matches') {
      i++;
      const v = literal(toks[i++]);
      if (op === '==') return (r) => asText(select(r, a)) === v;
      if (op === '!=') return (r) => asText(select(r, a)) !== v;
      if (op === 'contains') return (r) => contains(select(r, a), v);
      const re = new RegExp(v);
      return (r) => re.test(asText(select(r, a)));
    }
    if (op === 'not contains' || op === 'not matches') {
      i += 2;
      const v = literal(toks[i++]);
      const re = op === 'not matches' ? new RegExp(v) : undefined;
      return (r) => (re ? !re.test(asText(select(r, a))) : !contains(select(r, a), v));
    }
    throw fail(`unexpected "${op ?? 'end of expression'}" after "${a}"`);
  };
  const pred = orExpr();
  if (i !== toks.length) throw fail(`unexpected "${toks[i]}"`);
  return pred;
}
