import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const createdDirs = new Set<string>();

/** A new, empty data directory under the system temp directory. */
export function createDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sbbench-'));
  createdDirs.add(dir);
  return dir;
}

/** Removes every data directory this run created. */
export function removeDataDirs(): void {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
  createdDirs.clear();
}
