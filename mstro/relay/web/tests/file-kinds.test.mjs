// What the viewer reads from a file's path (views/machine/file-kinds.js): the language
// it is highlighted in, Markdown, and the files that likely hold secrets.
import test from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './dom-shim.mjs';

installDom();
const { languageForPath, isMarkdown, likelySecret } = await import('../js/views/machine/file-kinds.js');
const { resolveLanguage } = await import('../js/highlight.js');

test('a language by extension or by name, null for what highlight.js does not know', () => {
  const cases = {
    'src/main.rs': 'rust', 'a/b/app.py': 'python', 'web/x.mjs': 'js', 'x.tsx': 'js', 'x.go': 'go',
    'Cargo.toml': 'toml', 'Cargo.lock': 'toml', 'ci.yml': 'yaml', 'package.json': 'json', 'style.css': 'css',
    'index.html': 'markup', 'run.sh': 'shell', 'Dockerfile': 'shell', 'dockerfile.dev': 'shell', 'Makefile': 'shell',
    'q.SQL': 'sql', 'fix.patch': 'diff', 'lib.hh': 'clike', 'types.pyi': 'python', '.env.local': 'shell',
  };
  for (const [path, want] of Object.entries(cases)) {
    assert.equal(resolveLanguage(languageForPath(path)), want, path);
  }
  for (const path of ['notes.txt', 'LICENSE', 'README.md', 'a.unknownext', '.gitignore', 'dir.d/file']) {
    assert.equal(languageForPath(path), null, path);
  }
});

test('Markdown by extension', () => {
  for (const path of ['README.md', 'docs/a.markdown', 'x.MD', 'n.mkd']) assert.ok(isMarkdown(path), path);
  for (const path of ['md', 'x.mdx', 'x.txt', '.md/file', 'README']) assert.ok(!isMarkdown(path), path);
});

test('files that likely hold secrets', () => {
  const secret = [
    '.env', '.envrc', '.env.local', '.env.production', 'app/.env', 'prod.env', 'server.pem', 'tls/server.key', 'cert.p12',
    'id_rsa', '.ssh/id_ed25519', 'keys/id_ecdsa_sk', 'id_rsa.old', '.npmrc', '.netrc', '.pypirc', '.pgpass', '.git-credentials',
    '.aws/credentials', 'credentials.json', 'gcp-credentials.json', 'secrets.yaml', 'client_secret.json',
    '.kube/config', '.docker/config.json', 'terraform.tfstate', 'terraform.tfstate.backup', 'prod.tfvars',
    'service-account.json', 'vault.kdbx', '.ssh/work_key', '.gnupg/private-keys-v1.d',
  ];
  for (const path of secret) assert.ok(likelySecret(path), path);
  const plain = [
    'README.md', 'src/main.rs', 'id_rsa.pub', '.ssh/id_ed25519.pub', '.ssh/known_hosts', 'environment.ts', '.envrc.md',
    'src/secrets.rs', 'lib/credentials.py', 'keyboard.txt', 'monkey.js', 'docs/env.md', 'Cargo.toml', '',
  ];
  for (const path of plain) assert.ok(!likelySecret(path), path);
});
