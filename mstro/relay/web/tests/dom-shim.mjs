// A minimal DOM for node tests of the web app: enough of Node, Element, Text,
// DocumentFragment, events and simple CSS selectors (tag, #id, .class, [attr],
// [attr="v"], compounds, descendant combinator, selector lists) for the modules under
// test. It never parses HTML either: there is no innerHTML here.

export class Node {
  constructor() {
    this.parentNode = null;
    this.childNodes = [];
  }

  get parentElement() {
    return this.parentNode instanceof Element ? this.parentNode : null;
  }

  get textContent() {
    return this.childNodes.map((c) => c.textContent).join('');
  }

  set textContent(value) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    const s = String(value ?? '');
    if (s) this.appendChild(new Text(s));
  }

  get firstChild() {
    return this.childNodes[0] || null;
  }

  get children() {
    return this.childNodes.filter((c) => c instanceof Element);
  }

  appendChild(node) {
    if (node instanceof DocumentFragment) {
      for (const c of [...node.childNodes]) this.appendChild(c);
      return node;
    }
    if (node.parentNode) node.parentNode.removeChild(node);
    node.parentNode = this;
    this.childNodes.push(node);
    return node;
  }

  removeChild(node) {
    const i = this.childNodes.indexOf(node);
    if (i >= 0) this.childNodes.splice(i, 1);
    node.parentNode = null;
    return node;
  }

  insertBefore(node, ref) {
    if (!ref) return this.appendChild(node);
    const nodes = node instanceof DocumentFragment ? [...node.childNodes] : [node];
    for (const n of nodes) {
      if (n.parentNode) n.parentNode.removeChild(n);
      const i = this.childNodes.indexOf(ref);
      n.parentNode = this;
      this.childNodes.splice(i, 0, n);
    }
    return node;
  }

  append(...nodes) {
    for (const n of nodes) {
      // A browser would append the text "null": always a bug in the caller.
      if (n == null) throw new Error(`shim: append(${n})`);
      this.appendChild(typeof n === 'string' ? new Text(n) : n);
    }
  }

  replaceChildren(...nodes) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    this.append(...nodes);
  }

  remove() {
    if (this.parentNode) this.parentNode.removeChild(this);
  }

  after(...nodes) {
    const parent = this.parentNode;
    if (!parent) return;
    const i = parent.childNodes.indexOf(this);
    const next = parent.childNodes[i + 1] || null;
    for (const n of nodes) parent.insertBefore(typeof n === 'string' ? new Text(n) : n, next);
  }

  contains(node) {
    for (let n = node; n; n = n.parentNode) if (n === this) return true;
    return false;
  }
}

export class Text extends Node {
  constructor(data) {
    super();
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }

  set textContent(v) {
    this.data = String(v);
  }
}

export class DocumentFragment extends Node {}

const REFLECT_BOOL = ['hidden', 'disabled', 'checked', 'open', 'selected'];

export class Element extends Node {
  constructor(tag, doc) {
    super();
    this.tagName = tag.toUpperCase();
    this.ownerDocument = doc;
    this.attributes = new Map();
    this.listeners = new Map();
    this.value = '';
    this.scrollTop = 0;
    this.scrollHeight = 0;
    this.clientHeight = 0;
    this.selectionStart = 0;
    this.selectionEnd = 0;
    const style = {};
    style.setProperty = (k, v) => {
      style[k] = v;
    };
    this.style = style;
    const self = this;
    this.dataset = new Proxy({}, {
      get(_t, key) {
        return self.getAttribute(`data-${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`) ?? undefined;
      },
      set(_t, key, value) {
        self.setAttribute(`data-${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value));
        return true;
      },
    });
    this.classList = {
      add: (...names) => names.forEach((n) => this.setClasses(new Set([...this.classSet(), n]))),
      remove: (...names) => {
        const set = this.classSet();
        names.forEach((n) => set.delete(n));
        this.setClasses(set);
      },
      toggle: (name, force) => {
        const set = this.classSet();
        const on = force === undefined ? !set.has(name) : Boolean(force);
        if (on) set.add(name);
        else set.delete(name);
        this.setClasses(set);
        return on;
      },
      contains: (name) => this.classSet().has(name),
    };
  }

  classSet() {
    return new Set((this.getAttribute('class') || '').split(/\s+/).filter(Boolean));
  }

  setClasses(set) {
    this.setAttribute('class', [...set].join(' '));
  }

  get className() {
    return this.getAttribute('class') || '';
  }

  set className(v) {
    this.setAttribute('class', String(v));
  }

  get id() {
    return this.getAttribute('id') || '';
  }

  set id(v) {
    this.setAttribute('id', v);
  }

  get title() {
    return this.getAttribute('title') || '';
  }

  set title(v) {
    this.setAttribute('title', v);
  }

  get placeholder() {
    return this.getAttribute('placeholder') || '';
  }

  set placeholder(v) {
    this.setAttribute('placeholder', v);
  }

  get tabIndex() {
    return Number(this.getAttribute('tabindex') ?? -1);
  }

  set tabIndex(v) {
    this.setAttribute('tabindex', String(v));
  }

  setAttribute(name, value) {
    if (/^on/i.test(name)) throw new Error(`shim: event handler attribute ${name} set`);
    if (name === 'style') throw new Error('shim: style attribute set from a string');
    this.attributes.set(name.toLowerCase(), String(value));
  }

  getAttribute(name) {
    const v = this.attributes.get(name.toLowerCase());
    return v === undefined ? null : v;
  }

  hasAttribute(name) {
    return this.attributes.has(name.toLowerCase());
  }

  removeAttribute(name) {
    this.attributes.delete(name.toLowerCase());
  }

  get nextElementSibling() {
    if (!this.parentNode) return null;
    const kids = this.parentNode.children;
    return kids[kids.indexOf(this) + 1] || null;
  }

  get previousElementSibling() {
    if (!this.parentNode) return null;
    const kids = this.parentNode.children;
    return kids[kids.indexOf(this) - 1] || null;
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }

  removeEventListener(type, fn) {
    const list = this.listeners.get(type);
    if (list) this.listeners.set(type, list.filter((f) => f !== fn));
  }

  dispatchEvent(event) {
    if (!event.target) event.target = this;
    event.currentTarget = this;
    for (const fn of this.listeners.get(event.type) || []) fn.call(this, event);
    if (event.bubbles !== false && !event.stopped && this.parentNode instanceof Element) {
      this.parentNode.dispatchEvent(event);
    }
    return !event.defaultPrevented;
  }

  click() {
    if (this.disabled) return;
    this.dispatchEvent(new Event('click'));
    if (this.tagName === 'BUTTON' && this.getAttribute('type') === 'submit') {
      const form = this.closest('form');
      if (form) form.dispatchEvent(new Event('submit'));
    }
  }

  focus() {
    this.ownerDocument.activeElement = this;
  }

  blur() {
    if (this.ownerDocument.activeElement === this) this.ownerDocument.activeElement = this.ownerDocument.body;
  }

  scrollIntoView() {}

  setSelectionRange(a, b) {
    this.selectionStart = a;
    this.selectionEnd = b;
  }

  closest(selector) {
    for (let n = this; n instanceof Element; n = n.parentNode) if (n.matches(selector)) return n;
    return null;
  }

  matches(selector) {
    return parseSelectorList(selector).some((chain) => matchChain(this, chain));
  }

  querySelectorAll(selector) {
    const chains = parseSelectorList(selector);
    const out = [];
    const walk = (node) => {
      for (const c of node.children) {
        if (chains.some((chain) => matchChain(c, chain, this))) out.push(c);
        walk(c);
      }
    };
    walk(this);
    return out;
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }
}

for (const name of REFLECT_BOOL) {
  Object.defineProperty(Element.prototype, name, {
    get() {
      return this.hasAttribute(name);
    },
    set(v) {
      if (v) this.attributes.set(name, '');
      else this.attributes.delete(name);
    },
  });
}

export class Event {
  constructor(type, init = {}) {
    this.type = type;
    this.bubbles = init.bubbles !== false;
    Object.assign(this, init);
    this.defaultPrevented = false;
    this.stopped = false;
  }

  preventDefault() {
    this.defaultPrevented = true;
  }

  stopPropagation() {
    this.stopped = true;
  }
}

// ---------------------------------------------------------------- selectors

function parseCompound(text) {
  const parts = { tag: null, id: null, classes: [], attrs: [] };
  const re = /([a-zA-Z][\w-]*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:([~^$*]?=)"([^"]*)")?\]|\[([\w-]+)=([\w-]+)\]/gy;
  let m;
  let last = 0;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1]) parts.tag = m[1].toUpperCase();
    else if (m[2]) parts.id = m[2];
    else if (m[3]) parts.classes.push(m[3]);
    else if (m[4]) parts.attrs.push({ name: m[4], op: m[5] || null, value: m[6] });
    else if (m[7]) parts.attrs.push({ name: m[7], op: '=', value: m[8] });
    last = re.lastIndex;
  }
  if (last !== text.length) throw new Error(`shim: unsupported selector "${text}"`);
  return parts;
}

const cache = new Map();
function parseSelectorList(selector) {
  if (cache.has(selector)) return cache.get(selector);
  const list = selector.split(',').map((s) => s.trim().split(/\s+/).map(parseCompound));
  cache.set(selector, list);
  return list;
}

function matchCompound(el, c) {
  if (c.tag && el.tagName !== c.tag) return false;
  if (c.id && el.getAttribute('id') !== c.id) return false;
  const classes = el.classSet();
  for (const cls of c.classes) if (!classes.has(cls)) return false;
  for (const a of c.attrs) {
    const v = el.getAttribute(a.name);
    if (v === null) return false;
    if (a.op === '=' && v !== a.value) return false;
    if (a.op === '*=' && !v.includes(a.value)) return false;
    if (a.op === '^=' && !v.startsWith(a.value)) return false;
  }
  return true;
}

function matchChain(el, chain, scope = null) {
  if (!matchCompound(el, chain[chain.length - 1])) return false;
  let i = chain.length - 2;
  let n = el.parentNode;
  while (i >= 0 && n instanceof Element && n !== scope) {
    if (matchCompound(n, chain[i])) i -= 1;
    n = n.parentNode;
  }
  return i < 0;
}

// ---------------------------------------------------------------- document

export class Document {
  constructor() {
    this.body = new Element('body', this);
    this.activeElement = this.body;
    this.visibilityState = 'visible';
  }

  createElement(tag) {
    return new Element(tag, this);
  }

  createTextNode(text) {
    return new Text(text);
  }

  createDocumentFragment() {
    return new DocumentFragment();
  }

  getElementById(id) {
    return this.body.querySelector(`#${id}`);
  }

  addEventListener() {}

  removeEventListener() {}
}

/** Install a fresh document and the globals the app modules use; returns it. */
export function installDom() {
  const doc = new Document();
  const store = new Map();
  Object.assign(globalThis, {
    document: doc,
    Node,
    Element,
    Text,
    DocumentFragment,
    window: {
      innerHeight: 800,
      confirm: () => true,
      addEventListener() {},
      removeEventListener() {},
    },
    localStorage: {
      getItem: (k) => (store.has(k) ? store.get(k) : null),
      setItem: (k, v) => store.set(k, String(v)),
      removeItem: (k) => store.delete(k),
      clear: () => store.clear(),
    },
    requestAnimationFrame: (fn) => setTimeout(fn, 0),
  });
  return doc;
}

/** Every element under `root` (depth first). */
export function allElements(root) {
  const out = [];
  const walk = (n) => {
    for (const c of n.childNodes) {
      if (c instanceof Element) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(root);
  return out;
}
