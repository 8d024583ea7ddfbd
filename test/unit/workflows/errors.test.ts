import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_TYPES, isNonRetryable, NON_RETRYABLE_ERROR_TYPES } from '../../../workflows/errors';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(ROOT, dir, e.name)] : [],
  );
}

describe('error types', () => {
  it('names every type an activity or workflow fails with, with the retryability it is thrown with', () => {
    const thrown = new Map<string, boolean>();
    for (const file of [...sources('activities'), ...sources('workflows'), ...sources('connectors')]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/ApplicationFailure\.(nonRetryable|retryable)\([^;]*?'([A-Z][A-Za-z]+)'\)/gs)) thrown.set(m[2]!, m[1] === 'retryable');
    }
    expect(thrown.size).toBeGreaterThan(5);
    for (const [name, retryable] of thrown) {
      expect(ERROR_TYPES, name).toHaveProperty(name);
      expect(ERROR_TYPES[name as keyof typeof ERROR_TYPES].retryable, name).toBe(retryable);
    }
  });

  it('lists the non-retryable ones for the workflows, and no retryable one', () => {
    expect(NON_RETRYABLE_ERROR_TYPES).toContain('DeletionGuardError');
    expect(NON_RETRYABLE_ERROR_TYPES).toContain('UnknownGrantError');
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain('RevocationUnverified');
    expect(isNonRetryable('SourceTableError')).toBe(true);
    expect(isNonRetryable('RevocationUnverified')).toBe(false);
    expect(isNonRetryable('Error')).toBe(false);
    expect(isNonRetryable('toString')).toBe(false);
  });
});
