// The layer rule of the tree, checked over every source file: which folder may import which. The table
// below is the rule; the README's Layout section says the same in words.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

type Layer =
  | 'schema' | 'governance' | 'crawl' | 'workflows' | 'workflows/shared' | 'config'
  | 'adapters' | 'connectors' | 'db' | 'activities' | 'client' | 'workers' | 'web' | 'cli' | 'infra' | 'bench';

/** What each layer may import, besides itself. Type-only imports count the same, except where a layer
 *  lists them separately (workflows see activities as types only: they are bundled without them). */
const MAY_IMPORT: Record<Layer, { layers: Layer[]; typesOf?: Layer[]; packages: 'none' | 'workflow' | 'any' }> = {
  // the pure core: no I/O, no packages
  schema: { layers: [], packages: 'none' },
  governance: { layers: ['schema'], packages: 'none' },
  crawl: { layers: ['schema', 'governance', 'workflows/shared'], packages: 'none' },
  'workflows/shared': { layers: [], packages: 'workflow' },
  // deterministic: shared definitions, the pure core, and activity types
  workflows: { layers: ['workflows/shared', 'schema', 'governance', 'crawl'], typesOf: ['activities', 'connectors'], packages: 'workflow' },
  config: { layers: ['workflows/shared'], packages: 'none' },
  // one file per outside system; they know nothing of the catalog's own tables
  adapters: { layers: ['schema', 'governance', 'crawl', 'config'], packages: 'any' },
  db: { layers: ['schema', 'governance', 'crawl', 'config', 'workflows/shared'], packages: 'any' },
  connectors: { layers: ['adapters', 'db', 'schema', 'governance', 'crawl', 'config'], packages: 'any' },
  activities: { layers: ['adapters', 'connectors', 'db', 'client', 'schema', 'governance', 'crawl', 'config', 'workflows/shared'], packages: 'any' },
  // how the outside starts and talks to workflows
  client: { layers: ['adapters', 'connectors', 'db', 'schema', 'governance', 'crawl', 'config', 'workflows/shared'], packages: 'any' },
  // processes: assembled from everything below them
  workers: { layers: ['activities', 'adapters', 'connectors', 'client', 'db', 'schema', 'governance', 'crawl', 'config', 'workflows/shared', 'workflows'], packages: 'any' },
  // the web catalog reads through the same layer as the CLI: the client layer and named queries
  web: { layers: ['client', 'db', 'schema', 'governance', 'crawl', 'config', 'workflows/shared'], packages: 'any' },
  // the `lake` command goes through the client layer and named queries: no adapters, no workflow modules
  cli: { layers: ['client', 'db', 'schema', 'governance', 'crawl', 'config', 'workflows/shared', 'infra', 'web'], packages: 'any' },
  infra: { layers: ['client', 'adapters', 'db', 'schema', 'governance', 'crawl', 'config', 'workflows/shared', 'cli', 'web'], packages: 'any' },
  bench: { layers: ['activities', 'adapters', 'connectors', 'client', 'db', 'schema', 'governance', 'crawl', 'config', 'workflows/shared', 'workflows', 'workers', 'infra', 'cli', 'web'], packages: 'any' },
};

/** Packages a workflow may import: the workflow SDK's deterministic half. */
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

function layerOf(file: string): Layer | undefined {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  if (rel === 'config.ts') return 'config';
  // the contract between workflows and the outside: definitions and error types, with no imports
  if (rel === 'workflows/shared.ts' || rel === 'workflows/errors.ts' || rel === 'workflows/ids.ts') return 'workflows/shared';
  const top = rel.split('/')[0];
  return top in MAY_IMPORT ? (top as Layer) : undefined;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'test' || name.startsWith('.') || name === 'gen') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

interface Import { specifier: string; typeOnly: boolean; line: number }

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier && ts.isStringLiteral(specifier)) found.push({ specifier: specifier.text, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const allTypes = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The project file an import names, or undefined for a package. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return base;
}

function violations(): string[] {
  const problems: string[] = [];
  for (const file of sourceFiles(ROOT)) {
    const layer = layerOf(file);
    if (!layer) continue;
    const rule = MAY_IMPORT[layer];
    const where = path.relative(ROOT, file);
    for (const imp of importsOf(file)) {
      const target = resolveLocal(file, imp.specifier);
      if (target === undefined) {
        const pkg = imp.specifier.startsWith('node:') ? imp.specifier : imp.specifier.split('/').slice(0, imp.specifier.startsWith('@') ? 2 : 1).join('/');
        if (imp.typeOnly) continue;
        if (rule.packages === 'none') problems.push(`${where}:${imp.line}: ${layer} is pure and imports the package ${pkg}`);
        if (rule.packages === 'workflow' && !WORKFLOW_PACKAGES.includes(pkg)) problems.push(`${where}:${imp.line}: ${layer} is deterministic and imports the package ${pkg}`);
        continue;
      }
      const targetLayer = layerOf(target);
      if (!targetLayer || targetLayer === layer) continue;
      if (rule.layers.includes(targetLayer)) continue;
      if (imp.typeOnly && rule.typesOf?.includes(targetLayer)) continue;
      problems.push(`${where}:${imp.line}: ${layer} may not import ${targetLayer} (${imp.specifier}${imp.typeOnly ? ', types only' : ''})`);
    }
  }
  return problems;
}

describe('the layer rule', () => {
  it('holds over the whole tree', () => {
    expect(violations()).toEqual([]);
  });

  it('sees a violation when there is one', () => {
    // guards the checker itself: a workflow importing an activity module at run time is caught
    const imports = importsOf(path.join(ROOT, 'workflows', 'crawl.ts'));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.some((i) => i.specifier.includes('activities') && i.typeOnly)).toBe(true);
  });
});
