// Bundles the CLI (src/cli/main.ts and what it imports from src/) into dist/ with esbuild, and
// reuses that bundle until a file under src/ changes. Node 20 cannot run TypeScript itself, and a
// loader hook (tsx) doubles the import time of every dependency; a ~100 ms bundle avoids both.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(root, 'dist');
const manifestPath = join(distDir, 'latest.json');

function newestSourceChange(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestSourceChange(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Returns the file URL of an up-to-date CLI bundle, building one if needed. */
export async function ensureBundle() {
  const sourceChange = Math.max(newestSourceChange(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);
  const current = readManifest();
  if (current && current.sourceChange >= sourceChange) return pathToFileURL(join(distDir, current.build, 'cli.js')).href;

  const { build } = await import('esbuild');
  const buildName = `build-${Date.now()}-${process.pid}`;
  await build({
    entryPoints: { cli: join(root, 'src', 'cli', 'main.ts') },
    outdir: join(distDir, buildName),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Concurrent starts each build their own directory; the manifest is switched atomically.
  mkdirSync(distDir, { recursive: true });
  const partial = `${manifestPath}.${process.pid}`;
  writeFileSync(partial, JSON.stringify({ build: buildName, sourceChange }));
  renameSync(partial, manifestPath);
  for (const entry of readdirSync(distDir)) {
    if (entry.startsWith('build-') && entry !== buildName && Date.now() - statSync(join(distDir, entry)).mtimeMs > 60_000) {
      rmSync(join(distDir, entry), { recursive: true, force: true });
    }
  }
  return pathToFileURL(join(distDir, buildName, 'cli.js')).href;
}
