import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../errors.js';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded database is single-process: only one Switchboard process may open a data
 * directory. The lock file holds the owner's pid; a lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'switchboard.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processIsAlive(owner)) {
        throw new StartupError(
          `Another Switchboard process (pid ${owner}) is using the embedded database in ${dataDir}. ` +
            'Stop it, use another SWITCHBOARD_DATA_DIR, or run several processes on PostgreSQL (DATABASE_URL). ' +
            'CLI commands can talk to the running server instead (drop --offline).',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new StartupError(`Cannot take the lock ${path}; remove it if no Switchboard process is running.`);
}
