import type { Command } from 'commander';
import { type Config, loadConfig } from '../config/index.js';
import { createSwitchboardServer, type SwitchboardServer } from '../server.js';

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

function announce(server: SwitchboardServer, url: string): void {
  const { config, bootstrapResult, masterKeySource, database } = server;
  const lines = [`Switchboard listening on ${url} (${database.kind} database: ${database.location})`];
  if (masterKeySource === 'generated') {
    lines.push(
      `WARNING: generated a new master key in ${config.dataDir}/master-key (mode 0600). Back it up: secrets cannot be read without it.`,
      '         In production set SWITCHBOARD_MASTER_KEY instead (openssl rand -base64 32).',
    );
  }
  const created = bootstrapResult.created;
  if (created) {
    lines.push(
      '',
      `Created the default project (${created.project.id}) and its admin key. It is shown only this once:`,
      '',
      `    ${created.adminKey.key}`,
      '',
      `Saved to ${bootstrapResult.keyFile} (mode 0600). Try:`,
      `    curl -H "x-api-key: $(cat ${bootstrapResult.keyFile})" ${config.publicUrl}/v1/projects`,
    );
  }
  lines.push(`API reference: ${config.publicUrl}/docs`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function serve(flags: ServeFlags): Promise<void> {
  const server = await createSwitchboardServer(configFromFlags(flags));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => process.exit(1), 10_000);
    forced.unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    announce(server, await server.listen());
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
