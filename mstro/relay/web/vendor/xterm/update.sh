#!/usr/bin/env bash
# Fetch the pinned xterm.js packages from the npm registry and copy their built ES
# modules, stylesheet, type declarations and licences here, then make the two changes
# that let xterm.js run under the relay's Content-Security-Policy (README.md).
#
#   mstro/relay/web/vendor/xterm/update.sh
#
# To move to other versions, change the four below, run it, read the diff (the two
# changes fail loudly when the new build no longer has the code they expect), and run
# the web app's tests and the browser test (`cargo nextest run -p mstro terminal_browser`).
set -euo pipefail

XTERM=6.0.0
FIT=0.11.0
WEB_LINKS=0.12.0
UNICODE11=0.9.0

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

npm pack --silent "@xterm/xterm@$XTERM" "@xterm/addon-fit@$FIT" \
    "@xterm/addon-web-links@$WEB_LINKS" "@xterm/addon-unicode11@$UNICODE11" >/dev/null
for name in xterm addon-fit addon-web-links addon-unicode11; do
    mkdir "$name"
    tar -xzf "xterm-$name"-*.tgz -C "$name"
done

mkdir -p "$here/typings"
cp xterm/package/lib/xterm.mjs xterm/package/css/xterm.css "$here/"
cp xterm/package/LICENSE "$here/LICENSE"
cp xterm/package/typings/xterm.d.ts "$here/typings/"
for addon in addon-fit addon-web-links addon-unicode11; do
    cp "$addon/package/lib/$addon.mjs" "$here/"
    cp "$addon/package/LICENSE" "$here/LICENSE.$addon"
    cp "$addon/package/typings/$addon.d.ts" "$here/typings/"
done

# The two changes (README.md, "Content-Security-Policy"): xterm.js's DOM renderer
# styles truecolour cells with a `style` attribute and puts its theme and cell sizes
# into <style> elements, both of which `style-src 'self'` refuses. The cells are styled
# through the CSSOM instead (which CSP allows), and the <style> elements become inert
# <xterm-style> elements whose text js/terminal/xterm-styles.js adopts as constructed
# style sheets.
node - "$here/xterm.mjs" <<'JS'
const fs = require('fs');
const file = process.argv[2];
let text = fs.readFileSync(file, 'utf8');
function swap(from, to, count) {
  const found = text.split(from).length - 1;
  if (found !== count) {
    console.error(`update.sh: expected ${count} of ${JSON.stringify(from)} in xterm.mjs, found ${found}`);
    process.exit(1);
  }
  text = text.split(from).join(to);
}
swap('_addStyle(t,e){t.setAttribute("style",`${t.getAttribute("style")||""}${e};`)}',
  '_addStyle(t,e){t.style.cssText+=`;${e}`}', 1);
swap('createElement("style")', 'createElement("xterm-style")', 3);
fs.writeFileSync(file, text);
JS

echo "xterm.js $XTERM, addon-fit $FIT, addon-web-links $WEB_LINKS, addon-unicode11 $UNICODE11 in $here"
