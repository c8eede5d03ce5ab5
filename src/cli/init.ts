import type { Command } from 'commander';
import { configFromFlags, describeFirstStart } from './serve.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Prepare an instance: data directory, master key, database schema, default project and admin key')
    .option('-d, --data-dir <dir>', 'data directory (SWITCHBOARD_DATA_DIR, default ./data)')
    .action(async (flags: { dataDir?: string }) => {
      const { adminKeyPath, bootstrap, openCore } = await import('../server.js');
      const config = configFromFlags(flags);
      const core = await openCore(config);
      try {
        const outcome = await bootstrap(core, { writeKeyFile: true });
        const out = [`Data directory: ${config.dataDir}`, `Database: ${core.database.kind} (${core.database.location})`];
        if (core.masterKeySource !== 'generated') {
          out.push(
            `Master key: ${core.masterKeySource === 'environment' ? 'SWITCHBOARD_MASTER_KEY' : `${config.dataDir}/master-key`} (${core.vault.currentKeyId})`,
          );
        }
        out.push(...describeFirstStart(core, outcome));
        if (!outcome.created) {
          out.push(`Already initialised: projects exist. The first admin key, if kept, is in ${adminKeyPath(config)}; "switchboard keys create" makes more.`);
        }
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await core.close();
      }
    });
}
