import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { StartupError } from '../errors.js';
import type { Page } from '../pagination.js';
import type { SwitchboardCore } from '../server.js';
import { type ApiKeyView, type CreatedApiKeyView, scopes as knownScopes, type Principal, type Scope } from '../tenancy/index.js';
import { createRestClient, resolveApiKey } from './rest-client.js';
import { configFromFlags } from './serve.js';

interface ConnectionFlags {
  endpoint?: string;
  apiKey?: string;
  offline?: boolean;
  dataDir?: string;
  json?: boolean;
}

/** What a keys command needs, served either by a running server (REST) or by the database directly. */
interface KeysBackend {
  create(input: { name: string; scopes: Scope[]; project_id?: string; expires_at?: string }): Promise<CreatedApiKeyView>;
  list(input: { project_id?: string; include_revoked: boolean }): Promise<ApiKeyView[]>;
  revoke(id: string): Promise<ApiKeyView>;
  close(): Promise<void>;
}

function onlineBackend(flags: ConnectionFlags): KeysBackend {
  const config = configFromFlags({ ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) });
  const apiKey = resolveApiKey(flags.apiKey, config.dataDir);
  if (!apiKey) {
    throw new StartupError(`No API key: pass --api-key, set SWITCHBOARD_API_KEY, or keep the admin key in ${config.dataDir}/admin-key.`);
  }
  const request = createRestClient({ endpoint: flags.endpoint ?? process.env.SWITCHBOARD_URL ?? config.publicUrl, apiKey });
  return {
    create: (input) => request('POST', '/v1/api-keys', input),
    async list(input) {
      const items: ApiKeyView[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ limit: '200', include_revoked: String(input.include_revoked) });
        if (input.project_id) query.set('project_id', input.project_id);
        if (cursor) query.set('cursor', cursor);
        const page: Page<ApiKeyView> = await request('GET', `/v1/api-keys?${query}`);
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      return items;
    },
    revoke: (id) => request('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`),
    close: async () => {},
  };
}

async function offlineBackend(flags: ConnectionFlags): Promise<KeysBackend> {
  const config = configFromFlags({ ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) });
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'pglite', 'PG_VERSION'))) {
    throw new StartupError(`No Switchboard database in ${config.dataDir}; pass the right --data-dir, or run "switchboard init" first.`);
  }
  const { openCore } = await import('../server.js');
  const core: SwitchboardCore = await openCore(config);
  process.stderr.write(`--offline: using the database directly (${core.database.kind}: ${core.database.location}) as the local operator.\n`);
  const projectId = await core.tenancy.projects.operatorProjectId();
  if (!projectId) {
    await core.close();
    throw new StartupError('This instance has no project yet; run "switchboard init" first.');
  }
  const operator: Principal = { projectId, keyId: null, scopes: ['admin'] };
  return {
    create: (input) => core.tenancy.apiKeys.create(operator, input),
    async list(input) {
      const items: ApiKeyView[] = [];
      let cursor: string | undefined;
      do {
        const page = await core.tenancy.apiKeys.list(operator, { ...input, limit: 200, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return items;
    },
    revoke: (id) => core.tenancy.apiKeys.revoke(operator, id),
    close: () => core.close(),
  };
}

async function withBackend<T>(flags: ConnectionFlags, action: (backend: KeysBackend) => Promise<T>): Promise<T> {
  const backend = flags.offline ? await offlineBackend(flags) : onlineBackend(flags);
  try {
    return await action(backend);
  } finally {
    await backend.close();
  }
}

function parseScopes(value: string): Scope[] {
  const list = value
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = list.filter((scope) => !(knownScopes as readonly string[]).includes(scope));
  if (unknown.length > 0 || list.length === 0) {
    throw new StartupError(`Unknown scope ${unknown.join(', ') || '(none given)'}; choose from ${knownScopes.join(', ')}.`);
  }
  return list as Scope[];
}

function printTable(keys: ApiKeyView[]): void {
  const rows = [
    ['ID', 'NAME', 'PREFIX', 'SCOPES', 'STATUS', 'LAST USED'],
    ...keys.map((key) => [key.id, key.name, `${key.prefix}…`, key.scopes.join(','), key.status, key.last_used_at ?? 'never']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}\n`);
}

function withConnectionOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'URL of the running server (SWITCHBOARD_URL, default SWITCHBOARD_PUBLIC_URL)')
    .option('--api-key <key>', 'key with the manage or admin scope (SWITCHBOARD_API_KEY, default <data-dir>/admin-key)')
    .option('--offline', 'open the database directly instead of calling a running server (only when none runs)')
    .option('-d, --data-dir <dir>', 'data directory (SWITCHBOARD_DATA_DIR, default ./data)')
    .option('--json', 'print JSON instead of text');
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Create, list and revoke API keys');

  withConnectionOptions(
    keys
      .command('create')
      .description('Create an API key; it is printed once')
      .requiredOption('-n, --name <name>', 'a name that says who or what uses the key')
      .option('-s, --scopes <list>', `comma-separated scopes: ${knownScopes.join(', ')}`, 'tools:execute')
      .option('--project <id>', 'project of the key (another project needs an admin key)')
      .option('--expires-at <iso-date>', 'expiry time, e.g. 2027-01-01T00:00:00Z'),
  ).action(async (flags: ConnectionFlags & { name: string; scopes: string; project?: string; expiresAt?: string }) => {
    const scopes = parseScopes(flags.scopes);
    const created = await withBackend(flags, (backend) =>
      backend.create({
        name: flags.name,
        scopes,
        ...(flags.project ? { project_id: flags.project } : {}),
        ...(flags.expiresAt ? { expires_at: flags.expiresAt } : {}),
      }),
    );
    if (flags.json) return void process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    process.stdout.write(
      `Created ${created.id} (${created.scopes.join(', ')}) in project ${created.project_id}. The key is shown only this once:\n\n    ${created.key}\n\n`,
    );
  });

  withConnectionOptions(
    keys
      .command('list')
      .description('List API keys (never their secrets)')
      .option('--project <id>', 'project to list (another project needs an admin key)')
      .option('-a, --all', 'include revoked keys'),
  ).action(async (flags: ConnectionFlags & { project?: string; all?: boolean }) => {
    const items = await withBackend(flags, (backend) =>
      backend.list({ include_revoked: flags.all ?? false, ...(flags.project ? { project_id: flags.project } : {}) }),
    );
    if (flags.json) return void process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    printTable(items);
  });

  withConnectionOptions(keys.command('revoke').description('Revoke an API key at once, on every instance').argument('<id>', 'key id (key_…)')).action(
    async (id: string, flags: ConnectionFlags) => {
      const revoked = await withBackend(flags, (backend) => backend.revoke(id));
      if (flags.json) return void process.stdout.write(`${JSON.stringify(revoked, null, 2)}\n`);
      process.stdout.write(`Revoked ${revoked.id} (${revoked.name}) at ${revoked.revoked_at}.\n`);
    },
  );
}
