import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedOnly } from '../vitest.config.js';

const srcDir = resolve(import.meta.dirname, '..', 'src');

/**
 * Which modules each module may import (DESIGN.md: arrows point down only, `db` imports nobody).
 * Root files (errors.ts, ids.ts, pagination.ts, paths.ts, version.ts) are leaves anyone may use.
 * The composition root (server.ts, index.ts) and the CLI may import any module's front door.
 */
const allowedDependencies: Record<string, string[]> = {
  config: [],
  db: [],
  outbound: [],
  // Plain documents in, ranked ids out: the search knows no other module.
  search: [],
  tenancy: ['db'],
  auth: ['db', 'tenancy', 'outbound'],
  catalog: ['db', 'tenancy', 'auth'],
  execution: ['db', 'tenancy', 'auth', 'catalog', 'outbound'],
  // OpenAPI → toolkit definitions; stored through the catalog. Fetching goes through a function the composition root passes in.
  importer: ['tenancy', 'auth', 'catalog'],
  router: ['db', 'tenancy', 'auth', 'catalog', 'execution', 'search'],
  mcp: ['db', 'tenancy', 'auth', 'router'],
  compat: ['db', 'tenancy', 'auth', 'catalog', 'execution', 'router'],
  http: ['db', 'tenancy', 'auth', 'config', 'catalog', 'execution', 'router', 'mcp', 'importer', 'compat'],
  // The TypeScript client runs inside other programs: no server module, only the leaf files.
  client: [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function moduleOf(file: string): string {
  const parts = relative(srcDir, file).split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((match) => resolve(dirname(file), match[1]!));
}

describe('module boundaries', () => {
  const files = sourceFiles(srcDir);

  it('every module has a public index.ts', () => {
    for (const module of Object.keys(allowedDependencies)) expect(statSync(join(srcDir, module, 'index.ts')).isFile()).toBe(true);
  });

  it('modules import only the modules below them, and only through index.ts', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = moduleOf(file);
      for (const target of relativeImports(file)) {
        const to = moduleOf(target);
        if (to === from) continue;
        const where = `${relative(srcDir, file)} → ${relative(srcDir, target)}`;
        if (to === '(root)') {
          if (!/^(errors|ids|json|pagination|paths|version)\.(js|ts)$/.test(relative(srcDir, target)) && from !== 'cli') violations.push(`${where}: root file`);
          continue;
        }
        if (!/\/index\.(js|ts)$/.test(target)) violations.push(`${where}: bypasses ${to}/index.ts`);
        const allowed = allowedDependencies[from];
        if (allowed && !allowed.includes(to)) violations.push(`${where}: ${from} may not depend on ${to}`);
        if (from === '(root)' && /^(errors|ids|json|pagination|paths|version)\./.test(relative(srcDir, file)))
          violations.push(`${where}: leaf files import nothing`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the client imports no package and no server code: only its own files and errors.ts (pure)', () => {
    const clientDir = join(srcDir, 'client');
    const violations: string[] = [];
    for (const file of sourceFiles(clientDir)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm)) {
        const specifier = match[1] ?? match[2]!;
        const where = `${relative(srcDir, file)} → ${specifier}`;
        if (!specifier.startsWith('.')) violations.push(`${where}: a package`);
        else if (moduleOf(resolve(dirname(file), specifier)) !== 'client' && !/^\.\.\/errors\.js$/.test(specifier))
          violations.push(`${where}: outside the client`);
      }
    }
    expect(violations).toEqual([]);
  });
});

describe('which database each test file runs on (vitest.config.ts)', () => {
  const repoRoot = resolve(import.meta.dirname, '..');
  const testFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return path.endsWith('.test.ts') ? [relative(repoRoot, path)] : [];
    });
  const listed = testFiles(join(repoRoot, 'test')).filter((file) =>
    embeddedOnly.some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry)),
  );

  it('lists only files and folders that exist', () => {
    const stale = embeddedOnly.filter((entry) => !existsSync(join(repoRoot, entry)) || entry.endsWith('/') !== statSync(join(repoRoot, entry)).isDirectory());
    expect(stale).toEqual([]);
  });

  it('runs no file with PostgreSQL-only tests on the embedded database only', () => {
    const postgresOnly = /testDatabaseKind\(\)\s*[!=]==\s*'postgres'|\bisPostgres\b|runIf\([^)]*postgres/i;
    expect(listed.filter((file) => postgresOnly.test(readFileSync(join(repoRoot, file), 'utf8')))).toEqual([]);
  });
});
