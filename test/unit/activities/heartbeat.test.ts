import { describe, expect, it } from 'vitest';
import { progressHeartbeat } from '../../../activities/heartbeat';

describe('progress heartbeats', () => {
  it('passes the first report on at once, then at most one per interval, each a copy of the progress then', () => {
    const sent: unknown[] = [];
    let now = 1_000;
    const beat = progressHeartbeat<{ bytesDone: number }>({ heartbeat: (d) => sent.push(d) }, 250, () => now);
    const progress = { bytesDone: 0 };
    for (let i = 1; i <= 10; i++) {
      progress.bytesDone = i;
      beat(progress);
      now += 100; // reports at 1000, 1100, ..., 1900
    }
    expect(sent).toEqual([{ bytesDone: 1 }, { bytesDone: 4 }, { bytesDone: 7 }, { bytesDone: 10 }]);
    progress.bytesDone = 99;
    expect(sent[3]).toEqual({ bytesDone: 10 });
  });
});
