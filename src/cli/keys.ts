import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { MasterKeyRotationSummary, RotationProgress } from '../auth/index.js';
import { StartupError } from '../errors.js';
import type { Page } from '../pagination.js';
import type { SwitchboardCore } from '../server.js';
import { type ApiKeyView, type CreatedApiKeyView, scopes as knownScopes, type Principal, type Scope } from '../tenancy/index.js';
import { createProgressPrinter } from './progress.js';
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
  rotateMasterKey(onProgress: (progress: RotationProgress) => void): Promise<MasterKeyRotationSummary>;
  close(): Promise<void>;
}

// A rotation re-wraps every stored secret in one request; give it far longer than an ordinary call.
const rotationTimeoutMs = 30 * 60_000;

function onlineBackend(flags: ConnectionFlags): KeysBackend {
  const config = configFromFlags({ ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) });
  const apiKey = resolveApiKey(flags.apiKey, config.dataDir);
  if (!apiKey) {
    throw new StartupError(`No API key: pass --api-key, set SWITCHBOARD_API_KEY, or keep the admin key in ${config.dataDir}/admin-key.`);
  }
  const endpoint = flags.endpoint ?? process.env.SWITCHBOARD_URL ?? config.publicUrl;
  const request = createRestClient({ endpoint, apiKey });
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
    async rotateMasterKey() {
      if (process.stderr.isTTY) process.stderr.write(`Rotating the master key on ${endpoint}; the server re-wraps every stored secret…\n`);
      return createRestClient({ endpoint, apiKey, timeoutMs: rotationTimeoutMs })('POST', '/v1/admin/master-key/rotate');
    },
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
    async rotateMasterKey(onProgress) {
      const { createMasterKeyService } = await import('../auth/index.js');
      return createMasterKeyService(core.database.db, core.vault, { keyFileDir: core.masterKeyFileDir }).rotate(operator, { onProgress });
    },
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

function printRotation(summary: MasterKeyRotationSummary, dataDir: string | undefined): void {
  const lines: string[] = [];
  if (summary.resealed === 0 && summary.retired_key_ids.length === 0) {
    lines.push(`Nothing to rotate: every stored secret is sealed with ${summary.current_key_id} already, and no old master key is left to retire.`);
  } else {
    lines.push(`Master key rotated: every stored secret is now sealed with ${summary.current_key_id}.`);
    const width = Math.max(...Object.keys(summary.columns).map((name) => name.length));
    for (const [name, column] of Object.entries(summary.columns)) {
      const meanwhile = column.changed_concurrently > 0 ? ` (${column.changed_concurrently} rewritten meanwhile, kept as written)` : '';
      lines.push(`  ${name.padEnd(width)}  ${column.resealed} re-wrapped${meanwhile}`);
    }
    lines.push(`Retired: ${summary.retired_key_ids.join(', ') || 'none'}.`);
  }
  if (summary.generated_key) {
    lines.push(
      `The new key is in ${dataDir ? `${dataDir}/master-key` : "the server's data directory (master-key)"}; back it up now: the old one no longer opens anything.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
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
  const keys = program.command('keys').description('Create, list and revoke API keys; rotate the master key');

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
  withConnectionOptions(
    keys
      .command('rotate-master')
      .description(
        'Rotate the master key: re-wrap every stored secret under the current key and retire the old one. With a data-dir key file a new key is generated; ' +
          'with SWITCHBOARD_MASTER_KEY, set the new key there (old one in SWITCHBOARD_PREVIOUS_MASTER_KEYS) on every instance first',
      ),
  ).action(async (flags: ConnectionFlags) => {
    const progress = createProgressPrinter(process.stderr);
    let summary: MasterKeyRotationSummary;
    try {
      summary = await withBackend(flags, (backend) => backend.rotateMasterKey((update) => progress.update(update.column, update.done, update.total)));
    } finally {
      progress.finish();
    }
    if (flags.json) return void process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    printRotation(summary, flags.offline ? configFromFlags({ ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) }).dataDir : flags.dataDir);
  });
}
