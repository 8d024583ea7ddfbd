// Time bounds on hostile input are bounds on work, so they are measured in this process's CPU time: wall
// time also counts the waits for a core on a busy machine, which say nothing about the code.
// Vitest runs each test file in a process of its own, so the figure is this file's work (and its GC).

/** Milliseconds of CPU this process has used so far (user + system). */
export function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
