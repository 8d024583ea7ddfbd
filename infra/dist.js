// Runs the compiled build in dist/ when it is current, else the TypeScript sources through tsx.
// Plain JavaScript, so that deciding costs no transpiling: `cli/lake.js` calls it at every start.
//   node infra/dist.js workers/main.ts [args]   runs that entry point as the process's main module
// `npm run build` (infra/build.js) writes dist/ and its stamp: when the build started and which source
// folders and files it compiled. dist/ is current when nothing in them changed after that moment
// (a directory's mtime moves when a file in it is added, removed or renamed).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = 'build-stamp.json';

/** The newest mtime under `file`, stopping early past `limit` (one newer file is enough to know). */
function newestMtime(file, limit) {
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    return Infinity; // a compiled source vanished: the build is not of this tree
  }
  let newest = st.mtimeMs;
  if (!st.isDirectory() || newest > limit) return newest;
  for (const name of fs.readdirSync(file)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(file, name), limit));
    if (newest > limit) break;
  }
  return newest;
}

/** Whether `dist` (default: this checkout's dist/) holds a build of the sources as they are now. */
function distState(root = ROOT, dist = path.join(root, 'dist')) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(dist, STAMP), 'utf8'));
  } catch {
    return { state: 'absent' };
  }
  let newest = 0;
  for (const source of stamp.sources) {
    newest = Math.max(newest, newestMtime(path.join(root, source), stamp.builtAt));
    if (newest > stamp.builtAt) return { state: 'stale', builtAt: stamp.builtAt };
  }
  return { state: 'current' };
}

/** Says how to rebuild, on a terminal only (scripts and tests read stderr), once per build gone stale. */
function hint(state) {
  if (!process.stderr.isTTY) return;
  const key = `${state.state} ${state.builtAt ?? ''}`;
  const marker = path.join(DIST, '.stale-hint');
  try {
    if (fs.readFileSync(marker, 'utf8') === key) return;
  } catch {
    // not said yet
  }
  const why = state.state === 'absent' ? 'there is no compiled build' : 'the sources changed after the last build';
  process.stderr.write(`lake: ${why}, so it runs the TypeScript sources, several times slower to start; \`npm run build\` compiles them\n`);
  try {
    fs.mkdirSync(DIST, { recursive: true });
    fs.writeFileSync(marker, key);
  } catch {
    // a read-only checkout: say it again next time
  }
}

/** The file to require for `rel` (a path from the root without extension, e.g. `cli/main`): its
 *  compiled JavaScript when dist/ is current, else its TypeScript with tsx registered.
 *  LAKE_FROM_SOURCE=1 always takes the sources. */
async function entry(rel) {
  const state = process.env.LAKE_FROM_SOURCE === '1' ? { state: 'forced' } : distState();
  if (state.state === 'current') return path.join(DIST, `${rel}.js`);
  if (state.state !== 'forced') hint(state);
  // both of tsx's hooks, as `tsx file.ts` registers them: the sources load modules with import() too
  // (the CommonJS build of tsx/esm/api resolves its own loader wrongly, hence its ES module build)
  require('tsx/cjs');
  (await import('tsx/esm/api')).register();
  return path.join(ROOT, `${rel}.ts`);
}

module.exports = { distState, entry, STAMP };

if (require.main === module) {
  const [target, ...args] = process.argv.slice(2);
  if (!target) {
    process.stderr.write('usage: node infra/dist.js <entry.ts> [args]\n');
    process.exit(1);
  }
  // the entry point becomes the main module, so its `require.main === module` block runs
  entry(target.replace(/\.[cm]?[jt]s$/, '')).then((file) => {
    process.argv = [process.argv[0], file, ...args];
    require('node:module').runMain();
  });
}
