import type { Command } from 'commander';
import { adminKeyPath, bootstrap, openCore } from '../server.js';
import { configFromFlags } from './serve.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Prepare an instance: data directory, master key, database schema, default project and admin key')
    .option('-d, --data-dir <dir>', 'data directory (SWITCHBOARD_DATA_DIR, default ./data)')
    .action(async (flags: { dataDir?: string }) => {
      const config = configFromFlags(flags);
      const core = await openCore(config);
      try {
        const result = await bootstrap(core, { writeKeyFile: true });
        const out = [`Data directory: ${config.dataDir}`, `Database: ${core.database.kind} (${core.database.location})`];
        if (core.masterKeySource === 'generated') out.push(`Master key: generated in ${config.dataDir}/master-key (mode 0600); back it up.`);
        else
          out.push(
            `Master key: ${core.masterKeySource === 'environment' ? 'SWITCHBOARD_MASTER_KEY' : `${config.dataDir}/master-key`} (${core.vault.currentKeyId})`,
          );
        if (result.created) {
          out.push(
            `Created the default project (${result.created.project.id}) and its admin key, shown only this once:`,
            '',
            `    ${result.created.adminKey.key}`,
            '',
            `Saved to ${result.keyFile} (mode 0600).`,
          );
        } else {
          out.push(`Already initialised: projects exist. The first admin key, if kept, is in ${adminKeyPath(config)}; "switchboard keys create" makes more.`);
        }
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await core.close();
      }
    });
}
