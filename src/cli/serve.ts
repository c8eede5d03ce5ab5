import type { Command } from 'commander';
import { type Config, loadConfig } from '../config/index.js';
import type { BootstrapOutcome, SwitchboardCore } from '../server.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
}

export function configFromFlags(flags: ServeFlags): Config {
  return loadConfig({
    overrides: {
      ...(flags.port !== undefined ? { port: Number(flags.port) } : {}),
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    },
  });
}

/** What a first start tells the person who ran it: the master key warning and the admin key. */
export function describeFirstStart(core: Pick<SwitchboardCore, 'config' | 'masterKeySource'>, outcome: BootstrapOutcome): string[] {
  const lines: string[] = [];
  if (core.masterKeySource === 'generated') {
    lines.push(
      `WARNING: generated a new master key in ${core.config.dataDir}/master-key (mode 0600). Back it up: stored secrets cannot be read without it.`,
      '         In production set SWITCHBOARD_MASTER_KEY instead (openssl rand -base64 32).',
    );
  }
  const created = outcome.created;
  if (created) {
    lines.push(`Created the default project (${created.project.id}) and its admin key. It is shown only this once:`, '', `    ${created.adminKey.key}`, '');
    if (outcome.keyFile) {
      lines.push(`Saved to ${outcome.keyFile} (mode 0600). Try:`, `    curl -H "x-api-key: $(cat ${outcome.keyFile})" ${core.config.publicUrl}/v1/projects`);
    } else if (outcome.keyFileError) {
      lines.push(`WARNING: ${outcome.keyFileError}. Copy the key above now.`);
    }
  }
  return lines;
}

async function serve(flags: ServeFlags): Promise<void> {
  const { createSwitchboardServer } = await import('../server.js');
  const server = await createSwitchboardServer(configFromFlags(flags));
  const firstStart = describeFirstStart(server, server.bootstrapResult);
  if (firstStart.length > 0) process.stdout.write(`${firstStart.join('\n')}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    const url = await server.listen();
    process.stdout.write(
      `Switchboard listening on ${url} (${server.database.kind} database: ${server.database.location})\nAPI reference: ${server.config.publicUrl}/docs\n`,
    );
  } catch (error) {
    await server.close();
    throw error;
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the Switchboard server (REST API, docs; embedded database unless DATABASE_URL is set)')
    .option('-p, --port <port>', 'port to listen on (SWITCHBOARD_PORT, default 8080)')
    .option('-H, --host <host>', 'address to bind (SWITCHBOARD_HOST, default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'data directory (SWITCHBOARD_DATA_DIR, default ./data)')
    .action(serve);
}
