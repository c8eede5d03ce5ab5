import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { packageRoot } from '../paths.js';
import { migrationsFingerprint, migrationsFolder } from './migrations-folder.js';

/**
 * PGlite's initdb takes about 4 s and our migrations another 0.5 s; unpacking a stored,
 * uncompressed cluster takes about 1 s (gzip would cost another 0.5 s for 36 MB saved). The
 * template (a cluster with the migrations applied, no data) is built once per PGlite version and
 * schema — by `npm install` (postinstall) or on demand — and kept in `node_modules/.cache/switchboard/`.
 * Start-up still runs the migrator, which finds nothing to do.
 */
const pgliteVersion = (JSON.parse(readFileSync(join(packageRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string })
  .version;
const cacheDir = join(packageRoot, 'node_modules', '.cache', 'switchboard');

export function pgliteTemplatePath(): string {
  return join(cacheDir, `pglite-${pgliteVersion}-schema-${migrationsFingerprint()}.tar`);
}

/** The cached template, or undefined when it has not been built. */
export function readPgliteTemplate(): Blob | undefined {
  const path = pgliteTemplatePath();
  if (!existsSync(path)) return undefined;
  return new Blob([readFileSync(path)]);
}

/** Builds the template if it is missing; returns its path. */
export async function buildPgliteTemplate(): Promise<string> {
  const path = pgliteTemplatePath();
  if (existsSync(path)) return path;
  const cluster = new PGlite();
  await cluster.waitReady;
  await migrate(drizzle({ client: cluster }), { migrationsFolder });
  const dump = await cluster.dumpDataDir('none');
  await cluster.close();
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, path);
  return path;
}
