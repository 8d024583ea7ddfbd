// Worker processes as a host runs them (`workers/main.ts`, its inference child beside it), for tests that
// kill one: each in its own process group, so SIGKILL takes the inference child down with it, as a crashed
// host would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

export function startWorkerHost(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--require', 'tsx/cjs', 'workers/main.ts', '--no-schedules'], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: 'ignore' });
}

/** SIGKILL of the whole host: no shutdown, no cleanup. */
export function killWorkerHost(host: ChildProcess): void {
  process.kill(-host.pid!, 'SIGKILL');
}

/** SIGTERM to each host still there (a killed one is gone). */
export function stopWorkerHosts(hosts: readonly ChildProcess[]): void {
  for (const h of hosts) {
    try {
      process.kill(-h.pid!, 'SIGTERM');
    } catch {
      // gone already
    }
  }
}
