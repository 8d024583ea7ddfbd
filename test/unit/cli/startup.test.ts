// `lake` starts fast: --help loads no command's module, a command loads only its own, and a compiled build
// in dist/ is used only while no source changed after it was built.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { commands } from '../../../cli/commands';
import { distState, STAMP } from '../../../infra/dist.js';

// child processes that may transpile TypeScript on a busy machine
vi.setConfig({ testTimeout: 60_000 });

const ROOT = join(__dirname, '..', '..', '..');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temporary directory whose name has quotes, markup and non-ASCII in it. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), `lake 'start' "<script>" ünï-`));
  temps.push(dir);
  return dir;
}

/** Runs `node <preload> cli/lake.js args` in `root` and returns what it printed and every module it loaded. */
function lakeLoading(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const preload = join(tempDir(), 'modules.js');
  // written at exit to stderr's last line: the CommonJS module cache, after the command ran
  writeFileSync(preload, "process.on('exit', () => process.stderr.write('\\nMODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n");
  const r = spawnSync(process.execPath, ['--require', preload, join(root, 'cli', 'lake.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const marker = r.stderr.lastIndexOf('\nMODULES ');
  const modules = (JSON.parse(r.stderr.slice(marker + '\nMODULES '.length)) as string[]).map((m) => relative(root, m).split('\\').join('/'));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.slice(0, marker), modules };
}

/** The packages among loaded modules (tsx and esbuild are how the sources run, not the command's). */
function packagesOf(modules: string[]): string[] {
  const names = modules.flatMap((m) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)?.[1] ?? []);
  return [...new Set(names)].filter((p) => p !== 'tsx' && p !== 'esbuild').sort();
}

describe('lake start-up', () => {
  it('lists every command file once, and each loads as a command', async () => {
    const files = readdirSync(join(ROOT, 'cli', 'commands')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(commands.map((c) => c.name).sort()).toEqual(files.sort());
    for (const entry of commands) {
      const command = await entry.load();
      expect(typeof command.run, entry.name).toBe('function');
      expect(command.usage, entry.name).toMatch(/^usage:/);
      expect(command.usage, entry.name).toContain(`lake ${entry.name}`);
    }
  });

  it('--help lists every command without loading any command module or package', () => {
    // with or without a current build: whichever way lake.js runs, help loads only the list
    for (const env of [{}, { LAKE_FROM_SOURCE: '1' }]) {
      const r = lakeLoading(ROOT, ['--help'], env);
      expect(r.code).toBe(0);
      for (const c of commands) expect(r.stdout).toContain(`  ${c.name.padEnd(10)} ${c.summary}\n`);
      expect(r.modules.filter((m) => /cli\/commands\/(?!index\.)/.test(m))).toEqual([]);
      expect(packagesOf(r.modules)).toEqual([]);
    }
  });

  it('a command that reads the catalog does not load Temporal, S3, Thrift or Kafka', () => {
    // `history` of a source that cannot exist fails at the database, or earlier without one: either way its
    // module and its packages are loaded by then
    const r = lakeLoading(ROOT, ['history', `nope-'<script>'-${Date.now()}`], { LAKE_DATABASE_URL: 'postgres://lake:lake@127.0.0.1:1/none' });
    expect(r.modules.some((m) => m.endsWith('cli/commands/history.ts') || m.endsWith('cli/commands/history.js'))).toBe(true);
    const heavy = packagesOf(r.modules).filter((p) => /^@temporalio\/|^@aws-sdk\/|^thrift$|^@platformatic\/kafka$/.test(p));
    expect(heavy).toEqual([]);
    expect(r.modules.some((m) => /cli\/commands\/(describe|crawl|access|source)\./.test(m))).toBe(false);
  });
});

describe('the compiled build is used only while it is current', () => {
  /** A tree of sources, all older than a stamp written now. */
  function tree(): { root: string; builtAt: number } {
    const root = tempDir();
    const old = new Date(Date.now() - 60_000);
    mkdirSync(join(root, 'schema', 'infer'), { recursive: true });
    for (const f of ['schema/a.ts', "schema/infer/b '<script>'.ts", 'config.ts']) writeFileSync(join(root, f), 'export {};\n');
    for (const f of ['schema/a.ts', "schema/infer/b '<script>'.ts", 'config.ts', 'schema/infer', 'schema']) utimesSync(join(root, f), old, old);
    const builtAt = Date.now() - 1000;
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', STAMP), JSON.stringify({ builtAt, sources: ['schema', 'config.ts'] }));
    return { root, builtAt };
  }

  it('is current when nothing changed after the build', () => {
    expect(distState(tree().root).state).toBe('current');
  });

  it('is absent without a stamp (never built, or a failed build)', () => {
    const { root } = tree();
    rmSync(join(root, 'dist', STAMP));
    expect(distState(root).state).toBe('absent');
  });

  it('is stale after an edit, an added file, a removed file or a removed folder', () => {
    const edited = tree();
    writeFileSync(join(edited.root, "schema/infer/b '<script>'.ts"), 'export const ü = "</script>";\n');
    expect(distState(edited.root).state).toBe('stale');

    const added = tree();
    writeFileSync(join(added.root, 'schema', 'new.ts'), '');
    utimesSync(join(added.root, 'schema', 'new.ts'), new Date(0), new Date(0)); // a copied file keeps an old mtime; its folder's moves
    expect(distState(added.root).state).toBe('stale');

    const removed = tree();
    rmSync(join(removed.root, 'schema', 'a.ts'));
    expect(distState(removed.root).state).toBe('stale');

    const gone = tree();
    rmSync(join(gone.root, 'config.ts'));
    expect(distState(gone.root).state).toBe('stale');
  });

  it('lake.js runs the build while current and the sources once one changed', () => {
    // a copy of the tree's runtime files with a stand-in build that says where it ran from
    const root = tempDir();
    for (const dir of ['cli', 'infra', 'schema', 'crawl', 'config.ts', 'workflows', 'db', 'governance', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, dir), join(root, dir), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), "exports.runCli = () => process.stdout.write('from dist\\n');\n");
    writeFileSync(join(root, 'dist', STAMP), JSON.stringify({ builtAt: Date.now() + 1000, sources: ['cli', 'schema', 'config.ts'] }));
    expect(lakeLoading(root, ['--help']).stdout).toBe('from dist\n');

    writeFileSync(join(root, 'dist', STAMP), JSON.stringify({ builtAt: Date.now() - 1000, sources: ['cli', 'schema', 'config.ts'] }));
    writeFileSync(join(root, 'schema', 'edited.ts'), 'export {};\n');
    const stale = lakeLoading(root, ['--help']);
    expect(stale.code).toBe(0);
    expect(stale.stdout).toContain('usage: lake <command>');
    expect(stale.stderr).toBe(''); // the rebuild hint is for a terminal only: scripts read stderr
  });
});
