// What the stack benchmarks (bench/crawl.ts, bench/grants.ts) share: worker processes of their own, a
// bounded pool of concurrent calls, and waiting for a task queue's pollers. Every worker is spawned as the
// leader of its own process group, so stopping it takes its children too and nothing outlives the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { LakeConfig } from '../config';

export const ROOT = join(__dirname, '..');
export const LOG_DIR = join(ROOT, '.stack', 'bench');

/** Runs `fn` over `items` with at most `limit` in flight; stops taking new items once `stop()` says so.
 *  Returns how many items were taken. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>, stop: () => boolean = () => false): Promise<number> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) await fn(items[next++]!);
  });
  await Promise.all(lanes);
  return next;
}

/** Worker processes (`node --require tsx/cjs <argv>` in the checkout) on the bench catalog, each logging
 *  to `.stack/bench/worker-<role>.log`. */
export class Workers {
  private readonly children: { role: string; child: ChildProcess }[] = [];
  private stopping = false;
  private readonly killAll = () => {
    for (const { child } of this.children) signalGroup(child, 'SIGKILL');
  };

  constructor(private readonly config: LakeConfig) {
    process.once('exit', this.killAll);
  }

  /** Starts `node --require tsx/cjs ...argv` with the bench catalog and `env` (task queues, log level). */
  start(role: string, argv: string[], env: Record<string, string>): number {
    const log = openSync(Workers.logFile(role), 'w');
    // BENCH_CPU_PROF=<dir>: each worker writes a V8 CPU profile there when it stops (node --cpu-prof)
    const dir = process.env.BENCH_CPU_PROF;
    const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=worker-${role}-${Date.now()}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, '--require', 'tsx/cjs', ...argv], {
      cwd: ROOT,
      env: { ...process.env, LAKE_DATABASE_URL: this.config.postgres.url, ...env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.once('exit', (code, signal) => {
      if (!this.stopping) console.error(`  worker ${role} exited (${signal ?? code}); see ${Workers.logFile(role)}`);
    });
    this.children.push({ role, child });
    return child.pid!;
  }

  static logFile(role: string): string {
    return join(LOG_DIR, `worker-${role}.log`);
  }

  pids(prefix: string): number[] {
    return this.children.filter((c) => c.role.startsWith(prefix)).map((c) => c.child.pid!);
  }

  /** SIGTERM (graceful), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        signalGroup(child, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
        signalGroup(child, 'SIGKILL'); // anything the leader left behind in its group
      }),
    );
    process.off('exit', this.killAll);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** Waits until `count` distinct workers poll `queue` for tasks of `type`. */
export async function waitForPollers(client: Client, queue: string, type: 'workflow' | 'activity', count: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: queue, kind: 1 /* NORMAL */ },
      taskQueueType: type === 'workflow' ? 1 : 2,
    });
    const identities = new Set((r.pollers ?? []).map((p) => p.identity));
    if (identities.size >= count) return;
    if (Date.now() > deadline) throw new Error(`${identities.size} of ${count} ${type} poller(s) on task queue ${queue} after ${timeoutMs / 1000} s (see ${LOG_DIR}/worker-*.log)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- CPU by service (Linux /proc; empty elsewhere) -----------------------------------------------------
// Where a small host's cores go during a run: the stack's services serve the bytes on the same cores as
// the workers. A process's figure includes its children, living (their own) and reaped (cutime, cstime),
// so PostgreSQL's backends count whether or not they outlive the run.

const TICKS = 100; // USER_HZ on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  own: number; // utime + stime, ticks
  reaped: number; // cutime + cstime, ticks
}

function procStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of pids) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { pid: Number(d), ppid: Number(f[1]), comm, own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The service a top-level process of the host is, by its name or command line. */
function serviceOf(p: ProcStat): string {
  if (p.comm === 'versitygw') return 'S3 server';
  if (p.comm === 'temporal') return 'Temporal';
  if (p.comm === 'postgres') return 'PostgreSQL';
  if (p.comm === 'java') {
    const cmd = cmdline(p.pid);
    if (/kafka/i.test(cmd)) return 'Kafka';
    if (/metastore/i.test(cmd)) return 'Hive Metastore';
  }
  return 'other';
}

export type CpuByService = Record<string, number>;

/**
 * CPU seconds used so far by each service of the host and by the named processes (`named`: a label for
 * each pid, e.g. the bench's workers and the bench itself), each with its descendants; the rest is
 * 'other' (neighbours, the kernel's threads). Subtract two snapshots for a run's share.
 */
export function cpuByService(named: Record<number, string>): CpuByService {
  const stats = procStats();
  const label = new Map<number, string>();
  const labelOf = (p: ProcStat): string => {
    const known = label.get(p.pid);
    if (known !== undefined) return known;
    const parent = stats.get(p.ppid);
    // a named process is its own; any other inherits its parent's service, unless the parent is no service
    const inherited = parent ? labelOf(parent) : 'other';
    const l = named[p.pid] ?? (inherited === 'other' ? serviceOf(p) : inherited);
    label.set(p.pid, l);
    return l;
  };
  const out: CpuByService = {};
  for (const p of stats.values()) {
    const l = labelOf(p);
    // each reaped process counts once, in the living parent that waited for it
    out[l] = (out[l] ?? 0) + (p.own + p.reaped) / TICKS;
  }
  return out;
}

export function cpuDelta(before: CpuByService, after: CpuByService): CpuByService {
  const out: CpuByService = {};
  for (const k of Object.keys(after)) out[k] = Math.max(0, after[k]! - (before[k] ?? 0));
  return out;
}
