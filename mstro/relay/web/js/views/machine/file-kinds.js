// @ts-check
// What a file's path says about it, for the viewer: the language to highlight it in
// (highlight.js), whether it is Markdown (shown rendered, with its source a click
// away), and whether it likely holds secrets (shown under a warning). Names only:
// nothing here reads the file.

import { resolveLanguage } from '../../highlight.js';

/** Whole file names (lower case) → a highlight.js language. */
const NAMES = {
  dockerfile: 'dockerfile',
  containerfile: 'dockerfile',
  makefile: 'makefile',
  gnumakefile: 'makefile',
  'cargo.lock': 'toml',
  'poetry.lock': 'toml',
  'pipfile': 'toml',
  '.bashrc': 'bash',
  '.bash_profile': 'bash',
  '.profile': 'bash',
  '.zshrc': 'zsh',
  '.zprofile': 'zsh',
  '.editorconfig': 'ini',
  '.gitconfig': 'ini',
  '.npmrc': 'ini',
  '.env': 'bash',
  gemfile: 'ruby',
  rakefile: 'ruby',
  jenkinsfile: 'groovy',
};

/** Extensions highlight.js does not know by that name → one it does. */
const EXTENSIONS = {
  pyi: 'python',
  pyw: 'python',
  rake: 'ruby',
  gemspec: 'ruby',
  mts: 'ts',
  cts: 'ts',
  hh: 'cpp',
  hxx: 'cpp',
  ipp: 'cpp',
  mk: 'makefile',
  env: 'bash',
  properties: 'ini',
  xsd: 'xml',
  xsl: 'xml',
  csproj: 'xml',
};

const MARKDOWN = new Set(['md', 'markdown', 'mdown', 'mkd', 'mkdn']);

/** @param {string} path */
function baseOf(path) {
  const i = path.lastIndexOf('/');
  return (i >= 0 ? path.slice(i + 1) : path).toLowerCase();
}

/** "a.tar.gz" → "gz"; ".env" → "" (a dot file's name is not an extension). @param {string} name */
function extOf(name) {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1) : '';
}

/**
 * The highlight.js language for a file, or null (shown plain).
 * @param {string} path
 * @returns {string | null}
 */
export function languageForPath(path) {
  const name = baseOf(path);
  if (Object.prototype.hasOwnProperty.call(NAMES, name)) return NAMES[name];
  if (name.startsWith('.env.') || name.startsWith('dockerfile.')) return name.startsWith('.env.') ? 'bash' : 'dockerfile';
  const ext = extOf(name);
  if (!ext) return null;
  if (Object.prototype.hasOwnProperty.call(EXTENSIONS, ext)) return EXTENSIONS[ext];
  return resolveLanguage(ext) ? ext : null;
}

/** Is this a Markdown file? @param {string} path */
export function isMarkdown(path) {
  return MARKDOWN.has(extOf(baseOf(path)));
}

/** Names that are secrets whatever their place (lower case). */
const SECRET_NAMES = new Set([
  '.env', '.envrc', '.npmrc', '.netrc', '_netrc', '.pypirc', '.pgpass', '.git-credentials', '.htpasswd',
  '.dockercfg', '.s3cfg', '.boto', '.vault-token', '.terraformrc', 'credentials.tfrc.json',
  '.my.cnf', '.passwd-s3fs', 'secring.gpg', 'master.key', 'keystore.jks',
]);
const SECRET_EXTENSIONS = new Set([
  'pem', 'key', 'p12', 'pfx', 'jks', 'keystore', 'kdbx', 'ppk', 'keytab', 'tfvars', 'tfstate', 'ovpn', 'env',
]);
const SSH_KEY = /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?(\b|_|$)/;
/** Extensions of data, where "secret" or "credential" in a name means what it says (in
    code it names what the code handles). */
const DATA_EXTENSIONS = new Set(['', 'json', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'txt', 'xml', 'properties', 'csv', 'plist']);

/**
 * Does this file likely hold secrets (keys, passwords, tokens)? By its name, and
 * where it lies (`.ssh/`, `.aws/`, `.kube/config`, `.docker/config.json`).
 * @param {string} path relative to the working directory
 * @returns {boolean}
 */
export function likelySecret(path) {
  const segs = path.toLowerCase().split('/').filter(Boolean);
  const name = segs[segs.length - 1] || '';
  if (!name) return false;
  // A public key is meant to be shown.
  if (name.endsWith('.pub')) return false;
  if (SECRET_NAMES.has(name)) return true;
  if (name.startsWith('.env.') || name.startsWith('.env-')) return true;
  if (SECRET_EXTENSIONS.has(extOf(name))) return true;
  if (name.startsWith('terraform.tfstate')) return true;
  if (SSH_KEY.test(name)) return true;
  const named = name.includes('credential') || name.includes('secret') || name.startsWith('service-account') || name.startsWith('service_account');
  if (named && DATA_EXTENSIONS.has(extOf(name))) return true;
  const dir = segs.slice(0, -1);
  if (dir.includes('.ssh') && name !== 'known_hosts' && name !== 'config' && name !== 'authorized_keys') return true;
  if (dir.includes('.aws') && (name === 'credentials' || name === 'config')) return true;
  if (dir[dir.length - 1] === '.kube' && name === 'config') return true;
  if (dir[dir.length - 1] === '.docker' && name === 'config.json') return true;
  if (dir[dir.length - 1] === '.gnupg') return true;
  return false;
}
