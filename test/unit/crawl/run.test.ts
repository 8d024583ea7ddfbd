import { describe, expect, it } from 'vitest';
import { overallProgress, progressBar, type CrawlProgress } from '../../../crawl/run';

describe('the progress of a crawl', () => {
  const q: CrawlProgress = { step: 'inferring', batches: 4, batchesDone: 1, filesTotal: 8, bytesTotal: 8_000_000, filesDone: 2, bytesDone: 2_000_000 };

  it('adds the running batches (heartbeats) to the finished ones (query)', () => {
    const p = overallProgress(q, [{ filesDone: 1, filesTotal: 2, bytesDone: 1_500_000 }, { filesDone: 0, filesTotal: 2, bytesDone: 500_000 }]);
    expect(p).toEqual({ step: 'inferring', filesDone: 3, filesTotal: 8, bytesDone: 4_000_000, bytesTotal: 8_000_000 });
    expect(progressBar(p, 8)).toBe('[###.....] 3/8 files, 4.0/8.0 MB (inferring)');
  });

  it('never shows more than the whole, and a full bar once inference is over', () => {
    const late = overallProgress({ ...q, filesDone: 8, bytesDone: 8_000_000, step: 'merging' }, [{ filesDone: 2, filesTotal: 2, bytesDone: 9 }]);
    expect(late).toMatchObject({ filesDone: 8, bytesDone: 8_000_000 });
    expect(progressBar(late, 4)).toBe('[####] 8/8 files, 8.0/8.0 MB (merging)');
    expect(progressBar(overallProgress({ ...q, step: 'planning', filesTotal: 0, bytesTotal: 0, filesDone: 0, bytesDone: 0 }, []), 4)).toBe('[....] 0/0 files, 0.0/0.0 MB (planning)');
  });
});
