import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

/**
 * The repository/package root, whether this code runs from `src/` (tests, tsx) or from the
 * bundle in `dist/` (the CLI): files shipped beside the code are found from here.
 */
export const packageRoot: string = findPackageRoot(import.meta.dirname);
