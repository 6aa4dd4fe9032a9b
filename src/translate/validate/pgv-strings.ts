// `string` and `bytes` rules. PGV counts `len`/`min_len`/`max_len` in code points and the `*_bytes`
// rules in UTF-8 bytes; every rule applies to the empty default too unless `ignore_empty` is set.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { fail, type Rules, ruleList, type Sink, show, type ValueCheck } from './pgv-rules.ts';
import { re2ToRegExp } from './re2.ts';

type StringTest = (s: string, path: string, out: Sink) => void;

// PGV's own well-known regexes, copied as written: the strict header-name class contains the
// range `+-.`, which also admits `,`; Envoy's PGV build accepts the same set.
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to reject control characters
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to reject NUL, CR and LF
const HEADER_LAX = /^[^\u0000\u000A\u000D]*$/u;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function runeLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) & 0xfc00) === 0xdc00) n--;
  return n;
}

function isHostname(s: string): boolean {
  const host = s.endsWith('.') ? s.slice(0, -1) : s;
  if (host.length === 0 || host.length > 253) return false;
  return host
    .split('.')
    .every((l) => l.length > 0 && l.length <= 63 && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l));
}

function isEmail(s: string): boolean {
  const at = s.lastIndexOf('@');
  if (at <= 0 || s.length > 254 || at > 64 || /\s/.test(s)) return false;
  return isHostname(s.slice(at + 1));
}

const WELL_KNOWN: Readonly<Record<string, [(s: string) => boolean, string]>> = {
  email: [isEmail, 'a valid email address'],
  hostname: [isHostname, 'a valid hostname'],
  ip: [(s) => isIP(s) !== 0, 'a valid IP address'],
  ipv4: [isIPv4, 'a valid IPv4 address'],
  ipv6: [isIPv6, 'a valid IPv6 address'],
  address: [(s) => isIP(s) !== 0 || isHostname(s), 'a valid hostname or IP address'],
  uri: [(s) => URL.canParse(s), 'an absolute URI'],
  uri_ref: [(s) => URL.canParse(s, 'http://base.invalid/'), 'a URI reference'],
  uuid: [(s) => UUID.test(s), 'a UUID'],
};

function stringTests(r: Rules): StringTest[] {
  const tests: StringTest[] = [];
  const add = (rule: string, ok: (s: string) => boolean, text: string) => {
    tests.push((s, path, out) => {
      if (!ok(s)) fail(out, path, `string.${rule}`, text, show(s));
    });
  };
  const has = (k: string) => r[k] !== undefined;
  const n = (k: string) => Number(r[k]);
  const t = (k: string) => String(r[k]);
  if (has('const')) {
    const c = t('const');
    add('const', (s) => s === c, `value must equal ${show(c)}`);
  }
  if (has('len')) add('len', (s) => runeLength(s) === n('len'), `value length must be ${n('len')}`);
  if (n('min_len') > 0) {
    add('min_len', (s) => runeLength(s) >= n('min_len'), `value length must be at least ${n('min_len')}`);
  }
  if (has('max_len')) {
    add('max_len', (s) => runeLength(s) <= n('max_len'), `value length must be at most ${n('max_len')}`);
  }
  if (has('len_bytes')) {
    add('len_bytes', (s) => Buffer.byteLength(s) === n('len_bytes'), `value must be ${n('len_bytes')} bytes`);
  }
  if (n('min_bytes') > 0) {
    add('min_bytes', (s) => Buffer.byteLength(s) >= n('min_bytes'), `value must be at least ${n('min_bytes')} bytes`);
  }
  if (has('max_bytes')) {
    const max = n('max_bytes');
    // A string of n UTF-16 units is at most 3n UTF-8 bytes: skip the count when it cannot exceed.
    add('max_bytes', (s) => s.length * 3 <= max || Buffer.byteLength(s) <= max, `value must be at most ${max} bytes`);
  }
  const re = has('pattern') ? re2ToRegExp(t('pattern')) : undefined;
  if (re) add('pattern', (s) => re.test(s), `value must match pattern ${show(t('pattern'))}`);
  if (has('prefix')) add('prefix', (s) => s.startsWith(t('prefix')), `value must start with ${show(t('prefix'))}`);
  if (has('suffix')) add('suffix', (s) => s.endsWith(t('suffix')), `value must end with ${show(t('suffix'))}`);
  if (has('contains')) add('contains', (s) => s.includes(t('contains')), `value must contain ${show(t('contains'))}`);
  if (has('not_contains')) {
    add('not_contains', (s) => !s.includes(t('not_contains')), `value must not contain ${show(t('not_contains'))}`);
  }
  const inList = ruleList(r.in)?.map(String);
  if (inList) {
    const allowed = new Set(inList);
    add('in', (s) => allowed.has(s), `value must be in [${inList.map(show).join(', ')}]`);
  }
  const notIn = ruleList(r.not_in)?.map(String);
  if (notIn) {
    const banned = new Set(notIn);
    add('not_in', (s) => !banned.has(s), `value must not be in [${notIn.map(show).join(', ')}]`);
  }
  for (const [kind, [ok, what]] of Object.entries(WELL_KNOWN)) {
    if (r[kind] === true) add(kind, ok, `value must be ${what}`);
  }
  const regex = r.well_known_regex;
  if (regex === 'HTTP_HEADER_NAME' || regex === 'HTTP_HEADER_VALUE') {
    // `strict` defaults to true in validate.proto.
    const strict = r.strict !== false;
    const rx = !strict ? HEADER_LAX : regex === 'HTTP_HEADER_NAME' ? HEADER_NAME_STRICT : HEADER_VALUE_STRICT;
    const what = `a valid HTTP header ${regex === 'HTTP_HEADER_NAME' ? 'name' : 'value'}${strict ? '' : ' (no NUL, CR or LF)'}`;
    add('well_known_regex', (s) => rx.test(s), `value must be ${what}`);
  }
  return tests;
}

/** The check of a `string` rule body; undefined when it sets nothing checkable. */
export function compileString(r: Rules): ValueCheck | undefined {
  const tests = stringTests(r);
  if (tests.length === 0) return undefined;
  const ignoreEmpty = r.ignore_empty === true;
  return (value, path, out) => {
    const s = typeof value === 'string' ? value : value == null ? '' : String(value);
    if (ignoreEmpty && s === '') return;
    for (const t of tests) t(s, path, out);
  };
}

// Text-format bytes literals reach us as strings of char codes 0-255.
const latin1 = (v: unknown) => Buffer.from(String(v), 'latin1');

/** The check of a `bytes` rule body; undefined when it sets nothing checkable. */
export function compileBytes(r: Rules): ValueCheck | undefined {
  const tests: ((b: Buffer, path: string, out: Sink) => void)[] = [];
  const add = (rule: string, ok: (b: Buffer) => boolean, text: string) => {
    tests.push((b, path, out) => {
      if (!ok(b)) fail(out, path, `bytes.${rule}`, text, show(b));
    });
  };
  const has = (k: string) => r[k] !== undefined;
  const n = (k: string) => Number(r[k]);
  if (has('const')) {
    const c = latin1(r.const);
    add('const', (b) => b.equals(c), 'value must equal the given bytes');
  }
  if (has('len')) add('len', (b) => b.length === n('len'), `value must be ${n('len')} bytes`);
  if (n('min_len') > 0) add('min_len', (b) => b.length >= n('min_len'), `value must be at least ${n('min_len')} bytes`);
  if (has('max_len')) add('max_len', (b) => b.length <= n('max_len'), `value must be at most ${n('max_len')} bytes`);
  const re = has('pattern') ? re2ToRegExp(String(r.pattern)) : undefined;
  if (re) add('pattern', (b) => re.test(b.toString('latin1')), `value must match pattern ${show(r.pattern)}`);
  if (has('prefix')) {
    const p = latin1(r.prefix);
    add('prefix', (b) => b.subarray(0, p.length).equals(p), 'value must start with the given bytes');
  }
  if (has('suffix')) {
    const p = latin1(r.suffix);
    add(
      'suffix',
      (b) => b.length >= p.length && b.subarray(b.length - p.length).equals(p),
      'value must end with the given bytes',
    );
  }
  if (has('contains')) {
    const p = latin1(r.contains);
    add('contains', (b) => b.includes(p), 'value must contain the given bytes');
  }
  const inList = ruleList(r.in)?.map(latin1);
  if (inList) add('in', (b) => inList.some((x) => x.equals(b)), `value must be one of ${inList.length} given values`);
  const notIn = ruleList(r.not_in)?.map(latin1);
  if (notIn) {
    add('not_in', (b) => !notIn.some((x) => x.equals(b)), `value must not be one of ${notIn.length} given values`);
  }
  if (r.ip === true) {
    add('ip', (b) => b.length === 4 || b.length === 16, 'value must be an IP address in 4 or 16 bytes');
  }
  if (r.ipv4 === true) add('ipv4', (b) => b.length === 4, 'value must be an IPv4 address in 4 bytes');
  if (r.ipv6 === true) add('ipv6', (b) => b.length === 16, 'value must be an IPv6 address in 16 bytes');
  if (tests.length === 0) return undefined;
  const ignoreEmpty = r.ignore_empty === true;
  return (value, path, out) => {
    const b = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.length) : Buffer.alloc(0);
    if (ignoreEmpty && b.length === 0) return;
    for (const t of tests) t(b, path, out);
  };
}
