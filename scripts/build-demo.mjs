// Bundles the browser demo (client-demo/src/main.ts → client-demo/dist/app.js) with esbuild and
// copies client-demo/public/* beside it. No CDN: keygate serves everything (strict CSP, offline).
//
// The new build is written to a private folder inside dist/ first, then each file is renamed
// into place (a rename over an existing file is atomic) and files the new build no longer has
// are removed. So a keygate serving dist/ while this runs (e.g. a parallel e2e run) never sees
// a missing or half-written file.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../client-demo/', import.meta.url));
const out = path.join(root, 'dist');
const tmp = path.join(out, `.build-${process.pid}`); // dot folder: express.static never serves it

/** Relative paths of the files under `dir`, skipping dot entries (other builds' temp folders). */
function files(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), path.join(prefix, e.name)) : [path.join(prefix, e.name)]));
}

rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
try {
  if (existsSync(path.join(root, 'public'))) cpSync(path.join(root, 'public'), tmp, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    outfile: path.join(tmp, 'app.js'),
    logLevel: 'warning',
  });
  const built = files(tmp);
  for (const f of built) {
    mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    renameSync(path.join(tmp, f), path.join(out, f));
  }
  const keep = new Set(built);
  for (const f of files(out)) if (!keep.has(f)) rmSync(path.join(out, f), { force: true });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
