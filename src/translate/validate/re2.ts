// RE2 patterns (what PGV's `pattern` rules and Envoy's safe_regex use) as JavaScript RegExps with
// the `u` flag. Best effort: the common syntax is rewritten, and anything JS cannot express the same
// way (`\C`, ungreedy mode, negated POSIX classes) yields undefined rather than a wrong regexp.

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const CATEGORIES = new Set(
  'L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn'.split(' '),
);
// Characters that may follow a backslash in a `u`-mode JS regexp outside a class.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const SIMPLE_ESCAPES = new Set('dDwWsSbBntrfv'.split(''));

function codePoint(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function unicodeClass(negated: boolean, name: string): string {
  const p = negated ? 'P' : 'p';
  if (name === 'Any') return negated ? '[^\\s\\S]' : '[\\s\\S]';
  return CATEGORIES.has(name) ? `\\${p}{${name}}` : `\\${p}{Script=${name}}`;
}

/** Translates an RE2 pattern; undefined when it cannot be expressed faithfully in JS. */
export function re2ToRegExp(pattern: string): RegExp | undefined {
  let flags = '';
  let src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]?.includes('U')) return undefined;
    flags = [...new Set(lead[1])].join('');
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return undefined;
      i++;
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 1);
        const literal = src.slice(i + 1, end < 0 ? undefined : end);
        for (const ch of literal) out += /[A-Za-z0-9_ ]/.test(ch) ? ch : codePoint(ch.codePointAt(0) as number);
        i = end < 0 ? src.length : end + 1;
      } else if (n === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (n === 'z' && !inClass) out += '(?![\\s\\S])';
      else if (n === 'C' || n === 'Z') return undefined;
      else if (n === 'a') out += '\\x07';
      else if (n === 'p' || n === 'P') {
        const braced = src[i + 1] === '{' ? /^\{(\^?)(\w+)\}/.exec(src.slice(i + 1)) : null;
        if (braced) {
          out += unicodeClass((n === 'P') !== (braced[1] === '^'), braced[2] as string);
          i += braced[0].length;
        } else {
          const name = src[i + 1];
          if (!name) return undefined;
          out += unicodeClass(n === 'P', name);
          i++;
        }
      } else if (n === 'x') {
        const braced = /^\{([0-9A-Fa-f]+)\}/.exec(src.slice(i + 1));
        if (braced) {
          out += codePoint(Number.parseInt(braced[1] as string, 16));
          i += braced[0].length;
        } else out += '\\x';
      } else if (n >= '0' && n <= '7') {
        const octal = /^[0-7]{1,3}/.exec(src.slice(i)) as RegExpExecArray;
        out += codePoint(Number.parseInt(octal[0], 8));
        i += octal[0].length - 1;
      } else if (SIMPLE_ESCAPES.has(n)) out += `\\${n}`;
      else if (/[A-Za-z0-9]/.test(n)) return undefined;
      else if (JS_SYNTAX.has(n) || (n === '-' && inClass)) out += `\\${n}`;
      else out += codePoint(n.codePointAt(0) as number);
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (posix) {
          const set = POSIX[posix[2] as string];
          if (!set || posix[1]) return undefined;
          out += set;
          i += posix[0].length - 1;
          continue;
        }
      }
      // RE2 reads `]` right after `[` or `[^` as a literal.
      if (c === ']' && i > classStart) inClass = false;
      out += c === ']' && i === classStart ? '\\]' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = src[i + 1] === '^' ? i + 2 : i + 1;
      out += '[';
    } else if (c === '(' && src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (c === '{' && !/^\{\d+(,\d*)?\}/.test(src.slice(i))) out += '\\{';
    else if (c === '}' && !/\{\d+(,\d*)?$/.test(src.slice(0, i))) out += '\\}';
    else if (c === ']') out += '\\]';
    else out += c;
  }
  try {
    return new RegExp(out, `${flags}u`);
  } catch {
    return undefined;
  }
}
