// What the stack benchmarks (bench/crawl.ts, bench/grants.ts) share: worker processes of their own, a
// bounded pool of concurrent calls, and waiting for a task queue's pollers. Every worker is spawned as the
// leader of its own process group, so stopping it takes its children too and nothing outlives the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
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
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', ...argv], {
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
