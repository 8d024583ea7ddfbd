// Types of infra/dist.js (plain JavaScript, run before anything is compiled).
export type DistState = { state: 'absent' } | { state: 'stale'; builtAt: number } | { state: 'current' };
/** Whether `dist` (default: this checkout's dist/) holds a build of the sources under `root` as they are now. */
export function distState(root?: string, dist?: string): DistState;
/** The file to require for `rel` (e.g. `cli/main`): compiled when dist/ is current, else the TypeScript with tsx registered. */
export function entry(rel: string): Promise<string>;
export const STAMP: string;
