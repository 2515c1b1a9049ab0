// Prints the gzipped size of what index.html makes the browser load at first: the entry
// scripts, the app the entry imports at once (its dynamic imports), every module those import
// statically (other dynamic imports are lazy screens, not counted), and the stylesheets. Reads
// web/dist, so run it after `npm run build`.

import { readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 150 * 1024;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');

const attribute = (tag, name) => new RegExp(`${name}="([^"]+)"`).exec(tag)?.[1];
const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
const entries = tags
  .filter((tag) => tag.startsWith('<script') || /rel="(stylesheet|modulepreload)"/.test(tag))
  .map((tag) => attribute(tag, tag.startsWith('<script') ? 'src' : 'href'))
  .filter((url) => url && url.startsWith('/'));

// `import x from "./a.js"`, `import "./a.js"`, `export {x} from "./a.js"`; not `import("./a.js")`.
const STATIC_IMPORT = /\b(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

// `import("./a.js")`, and the `"assets/a.css"` a dynamic import's preload list names.
const DYNAMIC_IMPORT = /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;
const PRELOADED = /["'](assets\/[^"']+\.(?:js|css))["']/g;

const loaded = new Set();
function visit(url, isEntry = false) {
  if (loaded.has(url)) return;
  loaded.add(url);
  if (!url.endsWith('.js')) return;
  const code = readFileSync(join(dist, url), 'utf8');
  const relative = (specifier) => posix.join(posix.dirname(url), specifier);
  for (const [, specifier] of code.matchAll(STATIC_IMPORT)) visit(relative(specifier));
  if (!isEntry) return;
  for (const [, specifier] of code.matchAll(DYNAMIC_IMPORT)) visit(relative(specifier));
  for (const [, path] of code.matchAll(PRELOADED)) visit(`/${path}`);
}
entries.forEach((url) => visit(url, true));

let total = 0;
const rows = [...loaded].map((url) => {
  const bytes = readFileSync(join(dist, url));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  total += gzipped;
  return { url, raw: bytes.length, gzipped };
});
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
for (const row of rows) console.log(`${kb(row.gzipped).padStart(10)} gz  ${kb(row.raw).padStart(10)} raw  ${row.url}`);
console.log(`first load: ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (total > BUDGET_BYTES) {
  console.error('over budget');
  process.exit(1);
}
