import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the schema core', () => {
  it('imports no I/O modules and nothing from adapters', () => {
    const root = join(__dirname, '../../../schema');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(root);
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'|require\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]);
      for (const spec of imports) expect([file, spec]).toEqual([file, expect.stringMatching(/^\.\.?\//)]);
      for (const spec of imports) expect(spec).not.toMatch(/adapters/);
    }
  });
});
