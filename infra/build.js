// `npm run build` (and `npm install` / `npm ci`, as the `prepare` script): compiles the runtime folders
// listed in tsconfig.build.json into dist/, copies the files tsc does not emit, and writes the stamp that
// infra/dist.js compares the sources with. Plain JavaScript: it runs before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { STAMP } = require('./dist.js');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const CONFIG = 'tsconfig.build.json';

// Files read at run time relative to a compiled module's __dirname that tsc does not emit: the generated
// Thrift client (plain JavaScript) and the web catalog's assets.
const COPIED = [
  { dir: 'adapters/metastore/gen', files: /\.js$/ },
  { dir: 'web/assets', files: /./ },
];

async function main() {
  // taken before reading any source, so an edit made during the build leaves the build stale
  const builtAt = Date.now();
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    // an install without devDependencies: nothing can be compiled (nor run through tsx)
    console.warn('build: typescript is not installed, dist/ not built');
    return 0;
  }
  // from scratch: a deleted source must not leave its compiled module behind
  fs.rmSync(DIST, { recursive: true, force: true });
  // emit only (a third of the time): types are checked by `npm run typecheck` and `npm test`, and a type
  // error must not make an install fail
  const compiled = spawnSync(process.execPath, [tsc, '-p', CONFIG, '--noCheck'], { cwd: ROOT, stdio: 'inherit' });
  if (compiled.status !== 0) {
    fs.rmSync(DIST, { recursive: true, force: true });
    console.error('build: tsc failed, dist/ removed (lake runs the TypeScript sources)');
    return compiled.status ?? 1;
  }
  for (const { dir, files } of COPIED) {
    fs.mkdirSync(path.join(DIST, dir), { recursive: true });
    for (const name of fs.readdirSync(path.join(ROOT, dir))) {
      if (files.test(name)) fs.copyFileSync(path.join(ROOT, dir, name), path.join(DIST, dir, name));
    }
  }
  await bundleWorkflows();
  const { include } = JSON.parse(fs.readFileSync(path.join(ROOT, CONFIG), 'utf8'));
  const sources = [...include, CONFIG, 'tsconfig.json'];
  fs.writeFileSync(path.join(DIST, STAMP), JSON.stringify({ builtAt, sources }, null, 2) + '\n');
  console.log(`build: dist/ compiled from ${include.join(', ')}`);
  return 0;
}

/** The workflow bundle a worker started from dist/ loads instead of bundling for seconds at each start. */
async function bundleWorkflows() {
  const { bundleWorkflows, PREBUILT_BUNDLE } = require(path.join(DIST, 'workers', 'worker.js'));
  try {
    fs.writeFileSync(PREBUILT_BUNDLE, (await bundleWorkflows()).code);
  } catch (e) {
    console.warn(`build: workflows not bundled (a worker bundles them at start): ${e instanceof Error ? e.message : e}`);
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
