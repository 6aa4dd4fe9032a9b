// Every PGV rule kind the interpreter supports that no loaded Envoy message happens to use, on the
// fixture messages of fixtures/rules.proto. Each row breaks (or satisfies) one field and asserts
// exactly which rules fire at that field's path. Kinds Envoy does use are in pgv-envoy.test.ts.
import { describe, expect, it } from 'vitest';
import { re2ToRegExp } from '../../../src/translate/validate/re2.ts';
import { checkFixture, validateDecodedFixture } from './fixtures/rules-root.ts';

type Row = [message: string, input: object, path: string, rules: string[]];

const at = (violations: { path: string; rule: string }[], path: string) =>
  violations.filter((v) => v.path === path).map((v) => v.rule);

const rows: Row[] = [
  // string
  ['Strings', { const_: 'v2' }, 'const_', ['string.const']],
  ['Strings', { const_: 'v3' }, 'const_', []],
  ['Strings', { len: 'ab' }, 'len', ['string.len']],
  ['Strings', { len: 'a😀b' }, 'len', []], // three code points, four UTF-16 units
  ['Strings', { len: '' }, 'len', []], // ignore_empty
  ['Strings', { max_len: 'abcd' }, 'max_len', ['string.max_len']],
  ['Strings', { max_len: '😀😀😀' }, 'max_len', []],
  ['Strings', { min_bytes: 'abc' }, 'min_bytes', ['string.min_bytes']],
  ['Strings', { min_bytes: 'ab€' }, 'min_bytes', []], // € is three bytes
  ['Strings', { max_chars: '€€€' }, 'max_chars', ['string.max_len', 'string.max_bytes']],
  ['Strings', { prefix: '/web' }, 'prefix', ['string.prefix']],
  ['Strings', { suffix: 'a.local' }, 'suffix', ['string.suffix']],
  ['Strings', { contains: 'http:x' }, 'contains', ['string.contains']],
  ['Strings', { not_contains: '/a/../b' }, 'not_contains', ['string.not_contains']],
  ['Strings', { not_in: 'root' }, 'not_in', ['string.not_in']],
  ['Strings', { not_in: 'web' }, 'not_in', []],
  ['Strings', { hostname: 'bad_host' }, 'hostname', ['string.hostname']],
  ['Strings', { hostname: '-a.example.com' }, 'hostname', ['string.hostname']],
  ['Strings', { hostname: 'a-b.example.com.' }, 'hostname', []],
  ['Strings', { ip: 'ten' }, 'ip', ['string.ip']],
  ['Strings', { ip: '::1' }, 'ip', []],
  ['Strings', { ipv4: '::1' }, 'ipv4', ['string.ipv4']],
  ['Strings', { ipv4: '10.0.0.1' }, 'ipv4', []],
  ['Strings', { ipv6: '10.0.0.1' }, 'ipv6', ['string.ipv6']],
  ['Strings', { address: 'not an address' }, 'address', ['string.address']],
  ['Strings', { address: 'svc.local' }, 'address', []],
  ['Strings', { uri: '/relative/path' }, 'uri', ['string.uri']],
  ['Strings', { uri: 'https://example.com/x' }, 'uri', []],
  ['Strings', { email: 'nobody' }, 'email', ['string.email']],
  ['Strings', { email: 'ops@example.com' }, 'email', []],
  ['Strings', { uuid: 'not-a-uuid' }, 'uuid', ['string.uuid']],
  ['Strings', { uuid: '123e4567-e89b-12d3-a456-426614174000' }, 'uuid', []],
  // strict is the default: a space is not a header-name character, a leading ':' is allowed
  ['Strings', { header_name: 'x a' }, 'header_name', ['string.well_known_regex']],
  ['Strings', { header_name: ':authority' }, 'header_name', []],
  ['Strings', { pattern: 'abc-1' }, 'pattern', ['string.pattern']],
  ['Strings', { pattern: 'ABC12' }, 'pattern', []], // (?i) becomes the i flag
  // numbers, 64-bit as BigInt
  ['Numbers', { int32_const: 8 }, 'int32_const', ['int32.const']],
  ['Numbers', { int32_const: 0 }, 'int32_const', []], // ignore_empty
  ['Numbers', { int64_outside: '5' }, 'int64_outside', ['int64.gt_lt']], // lt 0 gt 10: outside [0, 10]
  ['Numbers', { int64_outside: '10' }, 'int64_outside', ['int64.gt_lt']],
  ['Numbers', { int64_outside: '-1' }, 'int64_outside', []],
  ['Numbers', { int64_outside: '11' }, 'int64_outside', []],
  ['Numbers', { uint64_in: '4294967296' }, 'uint64_in', []],
  ['Numbers', { uint64_in: '9007199254740993' }, 'uint64_in', ['uint64.in']],
  ['Numbers', { sint32_range: -6 }, 'sint32_range', ['sint32.gte']],
  ['Numbers', { sint32_range: 6 }, 'sint32_range', ['sint32.lte']],
  ['Numbers', { sint32_range: -5 }, 'sint32_range', []],
  ['Numbers', { sint64_lt: '-1' }, 'sint64_lt', ['sint64.lt']],
  ['Numbers', { fixed32_not_in: 13 }, 'fixed32_not_in', ['fixed32.not_in']],
  ['Numbers', { fixed64_gt: '100' }, 'fixed64_gt', ['fixed64.gt']],
  ['Numbers', { fixed64_gt: '101' }, 'fixed64_gt', []],
  ['Numbers', { sfixed32_gte: -1 }, 'sfixed32_gte', ['sfixed32.gte']],
  ['Numbers', { sfixed64_lte: '1' }, 'sfixed64_lte', ['sfixed64.lte']],
  ['Numbers', { float_in: 0.1 }, 'float_in', []], // decodes as float32 0.10000000149
  ['Numbers', { float_in: 0.3 }, 'float_in', ['float.in']],
  ['Numbers', { double_not_in: 1.5 }, 'double_not_in', ['double.not_in']],
  ['Numbers', { uint32_outside_inclusive: 15 }, 'uint32_outside_inclusive', ['uint32.gte_lte']],
  ['Numbers', { uint32_outside_inclusive: 10 }, 'uint32_outside_inclusive', []],
  ['Numbers', { uint32_outside_inclusive: 20 }, 'uint32_outside_inclusive', []],
  ['Numbers', { wrapped: { value: '0' } }, 'wrapped', ['int64.gt']],
  ['Numbers', {}, 'wrapped', []], // rules on a wrapper apply only when it is set
  // enum, bool, bytes
  ['Others', { color_const: 'RED' }, 'color_const', ['enum.const']],
  ['Others', { color_const: 'GREEN' }, 'color_const', []],
  ['Others', { color_in: 'BLUE' }, 'color_in', ['enum.in']],
  ['Others', { color_not_in: 'BLUE' }, 'color_not_in', ['enum.not_in']],
  ['Others', { must_be_false: true }, 'must_be_false', ['bool.const']],
  ['Others', { bytes_len: Buffer.from('abc') }, 'bytes_len', ['bytes.len']],
  ['Others', { bytes_min: Buffer.from('a') }, 'bytes_min', ['bytes.min_len']],
  ['Others', { bytes_prefix: Buffer.from('XXy') }, 'bytes_prefix', ['bytes.prefix']],
  ['Others', { bytes_prefix: Buffer.from('GHy') }, 'bytes_prefix', []],
  ['Others', { bytes_ip: Buffer.alloc(5) }, 'bytes_ip', ['bytes.ip']],
  ['Others', { bytes_ip: Buffer.alloc(16) }, 'bytes_ip', []],
  // map
  ['Others', {}, 'map_pairs', ['map.min_pairs']],
  ['Others', { map_pairs: { a: { id: 'a' }, b: { id: 'b' }, c: { id: 'c' } } }, 'map_pairs', ['map.max_pairs']],
  ['Others', { map_pairs: { a: { id: '' } } }, 'map_pairs["a"].id', ['string.min_len']],
  ['Others', { map_rules: { 0: 'x' } }, 'map_rules["0"]', ['int32.gt', 'string.min_len']],
  ['Others', { map_rules: { 1: 'xy' } }, 'map_rules["1"]', []],
  // timestamp, any, duration
  ['Others', {}, 'ts_required', ['timestamp.required']],
  ['Others', { ts_required: { seconds: 1 } }, 'ts_required', []],
  ['Others', { ts_bounds: { seconds: 500 } }, 'ts_bounds', ['timestamp.gt']],
  ['Others', { ts_bounds: { seconds: 3000 } }, 'ts_bounds', ['timestamp.lt']],
  ['Others', { ts_bounds: { seconds: 1500 } }, 'ts_bounds', []],
  ['Others', { ts_bounds: null }, 'ts_bounds', []], // bounds apply only when set
  [
    'Others',
    { any_in: { type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', value: Buffer.alloc(0) } },
    'any_in',
    ['any.in'],
  ],
  [
    'Others',
    { any_not_in: { type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', value: Buffer.alloc(0) } },
    'any_not_in',
    ['any.not_in'],
  ],
  ['Others', { window: { seconds: 4 } }, 'window', ['duration.const']],
  ['Others', { window: { seconds: 5 } }, 'window', []],
  ['Others', { span: { seconds: 3 } }, 'span', ['duration.in']],
  ['Others', { span: { seconds: 61 } }, 'span', ['duration.lte', 'duration.in']],
  ['Others', { span: { seconds: 2 } }, 'span', []],
  // message.skip, nested messages, (validate.disabled), recursion
  ['Others', { skipped: { id: '' } }, 'skipped.id', []],
  ['Others', { checked: { id: '' } }, 'checked.id', ['string.min_len']],
  ['Others', { disabled: { id: '' } }, 'disabled.id', []],
  ['Others', { tree: { child: { child: { leaf: 'toolong' } } } }, 'tree.child.child.leaf', ['string.max_len']],
  // proto3 optional and oneof members: rules apply only to the member that is set
  ['Others', {}, 'maybe', []],
  ['Others', { maybe: '' }, 'maybe', ['string.min_len']],
  ['Others', { first: 'ab' }, 'first', ['string.min_len']],
  ['Others', { first: 'abc' }, 'second', []],
  // repeated
  ['Others', { tags: [] }, 'tags', []], // ignore_empty
  ['Others', { tags: ['a'] }, 'tags', ['repeated.min_items']],
  ['Others', { tags: ['a', 'b', 'a'] }, 'tags[2]', ['repeated.unique']],
  ['Others', { inners: [{ id: 'x' }, { id: 'y' }] }, 'inners', ['repeated.max_items']],
  ['Others', { inners: [{ id: 'x' }, { id: '' }] }, 'inners[1].id', ['string.min_len']],
];

describe('PGV rule kinds on fixture messages', () => {
  it.each(rows)('%s %j: %s -> %j', (message, input, path, rules) => {
    expect(at(checkFixture(message, input), path)).toEqual(rules);
  });

  it('reports map.no_sparse for a map entry without a value', () => {
    const v = validateDecodedFixture('Others', { map_pairs: { a: null } });
    expect(at(v, 'map_pairs["a"]')).toEqual(['map.no_sparse']);
  });

  it('prints 64-bit values exactly and names field, rule and value in the message', () => {
    const [v] = checkFixture('Numbers', { uint64_in: '9007199254740993' }).filter((x) => x.path === 'uint64_in');
    expect(v?.message).toBe('uint64_in: value must be in [1, 4294967296] (uint64.in, got 9007199254740993)');
  });

  it('describes exclusive ranges', () => {
    const [v] = checkFixture('Numbers', { int64_outside: '5' }).filter((x) => x.path === 'int64_outside');
    expect(v?.message).toBe('int64_outside: value must be outside range [0, 10] (int64.gt_lt, got 5)');
  });

  it('treats a hand-built object without defaults like the decoded form', () => {
    // const_ is missing, so it is "" and breaks string.const like a decoded default would.
    expect(at(validateDecodedFixture('Strings', {}), 'const_')).toEqual(['string.const']);
  });
});

describe('RE2 to RegExp', () => {
  it.each([
    ['^[0-9a-zA-Z_\\-\\.~:]+$', 'a-b.c~d:e', true],
    ['^[^?#]+[^?#/]$', '/api/', false],
    ['(?i)^abc$', 'ABC', true],
    ['^(?P<v>v\\d+)\\z', 'v12', true],
    ['\\Aa.c\\z', 'a.c\nx', false],
    ['^[[:digit:]]+$', '123', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\x{263a}$', '☺', true],
    ['^a{2}b{$', 'aab{', true],
    ['^\\Q.*\\E$', '.*', true],
  ])('%s matches %j: %s', (pattern, text, expected) => {
    expect(re2ToRegExp(pattern)?.test(text)).toBe(expected);
  });

  it('refuses what JS cannot express the same way', () => {
    expect(re2ToRegExp('(?U)a+')).toBeUndefined();
    expect(re2ToRegExp('a\\C')).toBeUndefined();
    expect(re2ToRegExp('[[:^alpha:]]')).toBeUndefined();
  });
});
