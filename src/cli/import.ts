import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { StartupError } from '../errors.js';
import { convertOpenApi, type ImportOutcome, type ImportSummary } from '../importer/index.js';
import { createProgressPrinter } from './progress.js';
import { createRestClient, resolveApiKey } from './rest-client.js';
import { configFromFlags } from './serve.js';

interface ImportFlags {
  slug?: string;
  name?: string;
  auth?: string;
  baseUrl?: string;
  endpoint?: string;
  apiKey?: string;
  dataDir?: string;
  dryRun?: boolean;
  json?: boolean;
}

const authKinds = ['none', 'basic', 'bearer', 'api_key', 'oauth2'];

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new StartupError(`Cannot fetch ${source}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}.`);
    }
    if (!response.ok) throw new StartupError(`Fetching ${source} answered HTTP ${response.status}.`);
    return response.text();
  }
  try {
    return readFileSync(source, 'utf8');
  } catch (error) {
    throw new StartupError(`Cannot read ${source}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
}

function printSummary(summary: ImportSummary, write: (line: string) => void): void {
  write(`Operations: ${summary.operations}, imported: ${summary.imported}, skipped: ${summary.skipped.length}.`);
  for (const skip of summary.skipped) write(`  skipped ${skip.operation}: ${skip.reason}`);
  if (summary.warnings.length > 0) {
    write(`Warnings (${summary.warnings.length}):`);
    for (const warning of summary.warnings.slice(0, 50)) write(`  ${warning}`);
    if (summary.warnings.length > 50) write(`  … and ${summary.warnings.length - 50} more (see --json)`);
  }
}

export function registerImport(program: Command): void {
  const command = program.command('import').description('Import API descriptions as toolkits');
  command
    .command('openapi <source>')
    .description('Turn an OpenAPI 3.x / Swagger 2.0 file or URL (JSON or YAML) into a project toolkit, one tool per operation')
    .option('--slug <slug>', 'toolkit slug (default: from info.title)')
    .option('--name <name>', 'toolkit name (default: info.title)')
    .option('--auth <scheme>', `keep only this auth scheme: ${authKinds.join(', ')}`)
    .option('--base-url <url>', 'base URL instead of servers[0].url')
    .option('--endpoint <url>', 'Switchboard server URL (default: SWITCHBOARD_URL or the public URL)')
    .option('--api-key <key>', 'API key with the manage scope (default: SWITCHBOARD_API_KEY or the admin-key file)')
    .option('--data-dir <dir>', 'where to find the admin-key file')
    .option('--dry-run', 'only parse and print the summary; upload nothing')
    .option('--json', 'print machine-readable JSON')
    .action(async (source: string, flags: ImportFlags) => {
      if (flags.auth && !authKinds.includes(flags.auth)) throw new StartupError(`Unknown --auth ${flags.auth}; choose from ${authKinds.join(', ')}.`);
      const text = await readSource(source);
      const progress = createProgressPrinter(process.stderr);
      const options = {
        slug: flags.slug,
        name: flags.name,
        auth: flags.auth,
        base_url: flags.baseUrl,
        ...(/^https?:\/\//i.test(source) ? { sourceUrl: source } : {}),
      };
      const local = await convertOpenApi(text, { ...options, onProgress: (done, total) => progress.update('Operations processed', done, total) });
      progress.finish();
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (flags.dryRun) {
        if (flags.json) out(JSON.stringify({ toolkit: local.toolkit, summary: local.summary }, null, 2));
        else {
          out(
            `Dry run: toolkit ${local.toolkit.slug} ${local.toolkit.version} (${local.toolkit.tools.length} tools, base URL ${local.toolkit.base_url}); nothing uploaded.`,
          );
          printSummary(local.summary, out);
        }
        return;
      }
      const config = configFromFlags({ ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) });
      const apiKey = resolveApiKey(flags.apiKey, config.dataDir);
      if (!apiKey) throw new StartupError(`No API key: pass --api-key, set SWITCHBOARD_API_KEY, or keep the admin key in ${config.dataDir}/admin-key.`);
      const endpoint = flags.endpoint ?? process.env.SWITCHBOARD_URL ?? config.publicUrl;
      const request = createRestClient({ endpoint, apiKey, timeoutMs: 120_000 });
      if (process.stderr.isTTY) process.stderr.write(`Uploading to ${endpoint}…\n`);
      const outcome: ImportOutcome = await request('POST', '/v1/toolkits/import', {
        spec: text,
        ...Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && key !== 'sourceUrl')),
        // The server never sees the source URL: relative server URLs were resolved here.
        ...(options.sourceUrl && !flags.baseUrl ? { base_url: local.toolkit.base_url } : {}),
      });
      if (flags.json) {
        out(JSON.stringify(outcome, null, 2));
        return;
      }
      const verb = { created: 'Created', updated: 'Updated', unchanged: 'Unchanged:' }[outcome.status];
      out(`${verb} toolkit ${outcome.toolkit.slug} ${outcome.toolkit.version} on ${endpoint}.`);
      printSummary(outcome.summary, out);
    });
}
