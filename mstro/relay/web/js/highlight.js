// @ts-check
// A small, safe syntax highlighter: a tokenizer per language (sticky regular
// expressions tried in order at each position) turning source text into
// [{type, text}] tokens, and a renderer building <span class="tok-TYPE"> nodes with
// textContent. It never parses HTML, so code from the machine stays text.
//
// Token types (CSS classes tok-*): kw, str, com, num, lit, type, fn, key, meta, tag,
// attr, var, add, del. Anything else is plain text.

const MAX_HIGHLIGHT = 200000; // longer code is shown plain

/**
 * A run of source text and its type ("" for plain text).
 * @typedef {{type: string, text: string}} Token
 */

/**
 * A token type and the sticky regular expression that matches it.
 * @typedef {[string, RegExp]} Rule
 */

/**
 * A language, as lang() builds it.
 * @typedef {{
 *   rules: Rule[],
 *   keywords: Set<string>,
 *   literals: Set<string>,
 *   types: Set<string>,
 *   typeCase: boolean,
 *   ident: RegExp,
 *   caseless: boolean,
 *   fnCalls: boolean,
 * }} Lang
 */

/** @param {string} s white-space separated words */
const words = (s) => new Set(s.split(/\s+/).filter(Boolean));

const IDENT = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)[A-Za-z\d_]*/y;
const DQ = /"(?:[^"\\\n]|\\.)*"?/y;
const SQ = /'(?:[^'\\\n]|\\.)*'?/y;
const BQ = /`(?:[^`\\]|\\[\s\S])*`?/y;
const SLASH_LINE = /\/\/[^\n]*/y;
const SLASH_BLOCK = /\/\*[\s\S]*?(?:\*\/|$)/y;
const HASH_LINE = /#[^\n]*/y;
const DASH_LINE = /--[^\n]*/y;

/**
 * A language: `rules` are [type, stickyRegex] tried in order; identifiers are then
 * classified with `keywords`, `literals`, `types` (and `typeCase`: Capitalized names
 * are types); an identifier followed by "(" is a function.
 * @param {{
 *   rules?: Rule[], keywords?: string, literals?: string, types?: string,
 *   typeCase?: boolean, ident?: RegExp, caseless?: boolean, fnCalls?: boolean,
 * }} spec
 * @returns {Lang}
 */
function lang({ rules = [], keywords = '', literals = '', types = '', typeCase = false, ident = IDENT, caseless = false, fnCalls = true }) {
  return {
    rules,
    keywords: words(caseless ? keywords.toLowerCase() : keywords),
    literals: words(caseless ? literals.toLowerCase() : literals),
    types: words(types),
    typeCase,
    ident,
    caseless,
    fnCalls,
  };
}

const JS_KW = `break case catch class const continue debugger default delete do else export extends
  finally for from function if import in instanceof let new of return static super switch this throw
  try typeof var void while with yield async await as interface type enum implements private protected
  public readonly declare namespace abstract keyof satisfies get set`;
const C_KW = `auto break case char const continue default do double else enum extern float for goto if
  inline int long register restrict return short signed sizeof static struct switch typedef union
  unsigned void volatile while class namespace template typename public private protected virtual
  override final new delete this throw try catch using operator friend constexpr noexcept nullptr
  bool explicit mutable static_cast dynamic_cast reinterpret_cast const_cast import package extends
  implements interface abstract synchronized throws instanceof var val fun when is object companion
  data sealed lateinit init func let guard defer struct protocol extension internal fileprivate
  open inout where self Self super base lock unsafe fixed params ref out readonly sealed string
  foreach in async await yield def`;
const PY_KW = `and as assert async await break class continue def del elif else except finally for
  from global if import in is lambda nonlocal not or pass raise return try while with yield match case`;
const RUST_KW = `as async await break const continue crate dyn else enum extern fn for if impl in let
  loop match mod move mut pub ref return self Self static struct super trait type unsafe use where
  while union`;
const GO_KW = `break case chan const continue default defer else fallthrough for func go goto if
  import interface map package range return select struct switch type var`;
const SHELL_KW = `if then else elif fi for while until do done case esac function in return local
  export readonly declare unset shift break continue exit set source alias echo cd sudo`;
const SQL_KW = `select from where and or not insert into values update set delete create table drop
  alter add column index primary key foreign references join left right inner outer full on as
  group by order having limit offset distinct union all case when then else end is in like between
  exists view begin commit rollback transaction default unique check constraint returning with if
  asc desc count sum avg min max cast`;
const RUBY_KW = `alias and begin break case class def defined do else elsif end ensure for if in
  module next not or redo rescue retry return self super then undef unless until when while yield
  require require_relative attr_accessor attr_reader puts`;

/** @type {Record<string, Lang>} */
const LANGS = {
  js: lang({
    rules: [['com', SLASH_LINE], ['com', SLASH_BLOCK], ['str', DQ], ['str', SQ], ['str', BQ], ['num', NUMBER]],
    keywords: JS_KW,
    literals: 'true false null undefined NaN Infinity',
    types: 'string number boolean any unknown never object symbol bigint',
    typeCase: true,
  }),
  clike: lang({
    rules: [
      ['meta', /#[ \t]*(?:include|define|ifdef|ifndef|if|endif|else|elif|pragma|undef)\b[^\n]*/y],
      ['com', SLASH_LINE], ['com', SLASH_BLOCK], ['str', DQ], ['str', SQ], ['meta', /@[A-Za-z_]\w*/y], ['num', NUMBER],
    ],
    keywords: C_KW,
    literals: 'true false null NULL nil',
    types: 'int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t size_t String Int Bool',
    typeCase: true,
  }),
  python: lang({
    rules: [
      ['com', HASH_LINE],
      ['str', /"""[\s\S]*?(?:"""|$)/y], ['str', /'''[\s\S]*?(?:'''|$)/y],
      ['str', DQ], ['str', SQ], ['meta', /@[A-Za-z_][\w.]*/y], ['num', NUMBER],
    ],
    keywords: PY_KW,
    literals: 'True False None',
    types: 'int str float bool list dict set tuple bytes object type self cls',
    typeCase: true,
  }),
  rust: lang({
    rules: [
      ['com', SLASH_LINE], ['com', SLASH_BLOCK],
      ['meta', /#!?\[[^\]\n]*\]?/y],
      ['str', /b?r(#*)"[\s\S]*?(?:"\1|$)/y],
      ['str', /b?"(?:[^"\\]|\\[\s\S])*"?/y],
      ['str', /b?'(?:\\[^'\n]{1,10}|[^'\\\n])'/y],
      ['lit', /'[A-Za-z_]\w*/y],
      ['fn', /[A-Za-z_]\w*!(?=[([{])/y],
      ['num', NUMBER],
    ],
    keywords: RUST_KW,
    literals: 'true false None Some Ok Err',
    types: `i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str String Vec
      Option Result Box`,
    typeCase: true,
  }),
  go: lang({
    rules: [['com', SLASH_LINE], ['com', SLASH_BLOCK], ['str', DQ], ['str', /`[^`]*`?/y], ['str', SQ], ['num', NUMBER]],
    keywords: GO_KW,
    literals: 'true false nil iota',
    types: `bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune
      string uint uint8 uint16 uint32 uint64 uintptr any`,
    typeCase: false,
  }),
  ruby: lang({
    rules: [['com', HASH_LINE], ['str', DQ], ['str', SQ], ['lit', /:[A-Za-z_]\w*/y], ['var', /@{1,2}[A-Za-z_]\w*/y], ['num', NUMBER]],
    keywords: RUBY_KW,
    literals: 'true false nil',
    typeCase: true,
  }),
  shell: lang({
    rules: [
      ['com', /(?<=^|[\s;|&(])#[^\n]*/y],
      ['str', /"(?:[^"\\]|\\[\s\S])*"?/y], ['str', /'[^']*'?/y],
      ['var', /\$(?:\{[^}\n]*\}?|[A-Za-z_]\w*|[0-9@#?*!$-])/y],
      ['num', /\d+(?![\w.])/y],
    ],
    ident: /[A-Za-z_][\w-]*/y,
    keywords: SHELL_KW,
    literals: 'true false',
    fnCalls: false,
  }),
  sql: lang({
    rules: [['com', DASH_LINE], ['com', SLASH_BLOCK], ['str', SQ], ['str', DQ], ['num', NUMBER]],
    keywords: SQL_KW,
    literals: 'true false null',
    types: 'INT INTEGER TEXT VARCHAR CHAR BOOLEAN REAL BLOB DATE TIMESTAMP BIGINT SERIAL NUMERIC',
    caseless: true,
  }),
  json: lang({
    rules: [
      ['key', /"(?:[^"\\\n]|\\.)*"(?=\s*:)/y], ['str', DQ],
      ['com', SLASH_LINE], ['com', SLASH_BLOCK],
      ['num', /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y],
    ],
    literals: 'true false null',
    fnCalls: false,
  }),
  yaml: lang({
    rules: [
      ['com', /(?<=^|\s)#[^\n]*/y],
      ['key', /(?<=^|\n)[ \t]*(?:- )?[^\s#:'"][^\n:#]*(?=:(?:[ \t]|$|\n))/y],
      ['str', DQ], ['str', SQ],
      ['meta', /(?<=^|\n)(?:---|\.\.\.)(?=\s|$)/y],
      ['num', /-?\d+(?:\.\d+)?(?![\w.-])/y],
    ],
    literals: 'true false null yes no on off True False Null',
    fnCalls: false,
  }),
  toml: lang({
    rules: [
      ['com', HASH_LINE],
      ['type', /(?<=^|\n)[ \t]*\[\[?[^\]\n]*\]?\]?/y],
      ['key', /(?<=^|\n)[ \t]*[\w."'-]+(?=[ \t]*=)/y],
      ['str', /"""[\s\S]*?(?:"""|$)/y], ['str', /'''[\s\S]*?(?:'''|$)/y], ['str', DQ], ['str', SQ],
      ['num', /[+-]?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[-:T]\d[\d:.Z+-]*)?/y],
    ],
    literals: 'true false',
    fnCalls: false,
  }),
  css: lang({
    rules: [
      ['com', SLASH_BLOCK], ['str', DQ], ['str', SQ],
      ['kw', /@[\w-]+/y],
      ['num', /#[\da-fA-F]{3,8}\b/y],
      ['attr', /[\w-]+(?=\s*:(?!:))/y],
      ['num', /-?\d*\.?\d+(?:%|[a-zA-Z]+)?/y],
    ],
    ident: /[A-Za-z_-][\w-]*/y,
    literals: 'important inherit initial unset none auto',
    fnCalls: true,
  }),
  markup: lang({
    rules: [
      ['com', /<!--[\s\S]*?(?:-->|$)/y],
      ['meta', /<![^>]*>?/y],
      ['tag', /<\/?[A-Za-z][\w:.-]*/y],
      ['tag', /\/?>/y],
      ['attr', /[\w:.-]+(?==)/y],
      ['str', /"[^"]*"?/y], ['str', /'[^']*'?/y],
      ['lit', /&(?:#\d+|#x[\da-fA-F]+|\w+);/y],
    ],
    ident: /[A-Za-z_][\w-]*/y,
    fnCalls: false,
  }),
};

/** @type {Record<string, string>} a name or alias → a key of LANGS, or 'diff' */
const ALIASES = {
  js: 'js', javascript: 'js', jsx: 'js', mjs: 'js', cjs: 'js', ts: 'js', typescript: 'js', tsx: 'js', node: 'js',
  c: 'clike', h: 'clike', cpp: 'clike', 'c++': 'clike', cc: 'clike', hpp: 'clike', cxx: 'clike', java: 'clike',
  kotlin: 'clike', kt: 'clike', swift: 'clike', cs: 'clike', csharp: 'clike', 'c#': 'clike', scala: 'clike',
  dart: 'clike', php: 'clike', 'objective-c': 'clike', objc: 'clike', groovy: 'clike', zig: 'clike',
  py: 'python', python: 'python', python3: 'python', py3: 'python',
  rs: 'rust', rust: 'rust',
  go: 'go', golang: 'go',
  rb: 'ruby', ruby: 'ruby',
  sh: 'shell', bash: 'shell', shell: 'shell', zsh: 'shell', console: 'shell', shellsession: 'shell', fish: 'shell', ksh: 'shell', dockerfile: 'shell', makefile: 'shell', make: 'shell',
  sql: 'sql', psql: 'sql', postgres: 'sql', postgresql: 'sql', mysql: 'sql', sqlite: 'sql',
  json: 'json', jsonc: 'json', json5: 'json', jsonl: 'json', ndjson: 'json',
  yaml: 'yaml', yml: 'yaml',
  toml: 'toml', ini: 'toml', cfg: 'toml', conf: 'toml',
  css: 'css', scss: 'css', less: 'css', sass: 'css',
  html: 'markup', htm: 'markup', xml: 'markup', svg: 'markup', vue: 'markup', svelte: 'markup', xhtml: 'markup', plist: 'markup',
  diff: 'diff', patch: 'diff', udiff: 'diff',
};

/**
 * "TypeScript" → "js"; unknown → null.
 * @param {string | null | undefined} name
 * @returns {string | null}
 */
export function resolveLanguage(name) {
  if (typeof name !== 'string') return null;
  const key = name.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(ALIASES, key) ? ALIASES[key] : null;
}

/**
 * A language name made safe for a class name ("language-…").
 * @param {string | null | undefined} name
 * @returns {string} "" when nothing is left
 */
export function languageClass(name) {
  const clean = String(name || '').toLowerCase().replace(/[^a-z0-9_+#-]/g, '').replace(/#/g, 'sharp').slice(0, 32);
  return clean ? `language-${clean}` : '';
}

/**
 * Append a token, merged into the last one when it has the same type.
 * @param {Token[]} out
 * @param {string} type
 * @param {string} text
 */
function pushToken(out, type, text) {
  if (!text) return;
  const last = out[out.length - 1];
  if (last && last.type === type) last.text += text;
  else out.push({ type, text });
}

/**
 * @param {string} code
 * @returns {Token[]}
 */
function tokenizeDiff(code) {
  /** @type {Token[]} */
  const out = [];
  const lines = code.split('\n');
  lines.forEach((line, i) => {
    let type = '';
    if (/^(?:\+\+\+|---|diff |index |new file|deleted file|similarity|rename )/.test(line)) type = 'meta';
    else if (line.startsWith('@@')) type = 'meta';
    else if (line.startsWith('+')) type = 'add';
    else if (line.startsWith('-')) type = 'del';
    pushToken(out, type, line);
    // The newline stays plain, so a coloured run ends with its line.
    if (i < lines.length - 1) pushToken(out, '', '\n');
  });
  return out;
}

/**
 * Split `code` into tokens for `language` (a name or alias). Unknown languages and very
 * long code give one plain token. Concatenating the tokens' text gives `code` back.
 * @param {string | null | undefined} code
 * @param {string | null | undefined} language
 * @returns {Token[]}
 */
export function tokenize(code, language) {
  const text = String(code ?? '');
  const id = resolveLanguage(language);
  if (!id || text.length > MAX_HIGHLIGHT) return text ? [{ type: '', text }] : [];
  if (id === 'diff') return tokenizeDiff(text);
  const def = LANGS[id];
  /** @type {Token[]} */
  const out = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let matched = false;
    for (const [type, re] of def.rules) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (m && m[0].length > 0) {
        pushToken(out, type, m[0]);
        i += m[0].length;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    def.ident.lastIndex = i;
    const m = def.ident.exec(text);
    if (m && m[0].length > 0) {
      const word = m[0];
      const key = def.caseless ? word.toLowerCase() : word;
      let type = '';
      if (def.keywords.has(key)) type = 'kw';
      else if (def.literals.has(key)) type = 'lit';
      else if (def.types.has(word) || (def.typeCase && /^[A-Z][a-z0-9]/.test(word))) type = 'type';
      else if (def.fnCalls) {
        let j = i + word.length;
        while (j < n && (text[j] === ' ' || text[j] === '\t')) j += 1;
        if (text[j] === '(') type = 'fn';
      }
      pushToken(out, type, word);
      i += word.length;
      continue;
    }
    // Plain: a run of white space, or one character.
    let j = i + 1;
    if (/\s/.test(text[i])) while (j < n && /\s/.test(text[j])) j += 1;
    pushToken(out, '', text.slice(i, j));
    i = j;
  }
  return out;
}

/**
 * Highlighted code as a DocumentFragment of text nodes and <span class="tok-*">.
 * `doc` defaults to the page's document (tests pass a shim).
 * @param {string | null | undefined} code
 * @param {string | null | undefined} language
 * @param {Document} [doc]
 * @returns {DocumentFragment}
 */
export function highlight(code, language, doc = globalThis.document) {
  const frag = doc.createDocumentFragment();
  for (const token of tokenize(code, language)) {
    if (!token.type) {
      frag.appendChild(doc.createTextNode(token.text));
    } else {
      const span = doc.createElement('span');
      span.className = `tok-${token.type}`;
      span.textContent = token.text;
      frag.appendChild(span);
    }
  }
  return frag;
}
