import type { Command } from 'commander';
import { SwitchboardError } from '../errors.js';
import { bridgeErrorFor, type ConnectTarget, displayUrl, resolveTarget, startupFailure, switchboardErrorIn } from './connect-target.js';

interface ConnectOptions {
  apiKey?: string;
  endpoint?: string;
  user?: string;
  toolkits?: string;
  session?: string;
}

/** How long start-up may wait for Switchboard (creating the session, the first check). */
const startupTimeoutMs = 15_000;

const helpText = `
Runs a stdio MCP server for a local MCP client (Claude Desktop, any stdio client) and relays
every message to a Switchboard server over Streamable HTTP. Where it connects:
  --session trs_…       that session (or give the session's MCP URL as --endpoint; with its
                        token_url as --endpoint no API key is needed)
  --toolkits a,b        a new session for those toolkits, created now, for --user or the key's own user
  (neither)             the universal /mcp endpoint, for the key's own user or --user (sent as x-user-id)

Only MCP messages go to stdout; diagnostics go to stderr. A wrong key, an unknown session or an
unreachable server is reported in one line, with exit status 1.

Claude Desktop (claude_desktop_config.json):
  "mcpServers": { "switchboard": { "command": "npx", "args": ["switchboard", "connect",
    "--api-key", "sk_…", "--endpoint", "https://switchboard.example.com", "--toolkits", "bitbucket"] } }
`;

function parseToolkits(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((slug) => slug.trim())
    .filter(Boolean);
  if (list.length === 0) throw new SwitchboardError('VALIDATION_FAILED', '--toolkits needs at least one toolkit slug, e.g. --toolkits bitbucket,backendless.');
  return list;
}

/** Diagnostics for stderr, with the key and any session token taken out. */
function createLogger(apiKey: string | undefined) {
  const redact = (line: string) => displayUrl(apiKey && apiKey.length >= 8 ? line.split(apiKey).join('…') : line);
  return (line: string) => process.stderr.write(`switchboard connect: ${redact(line)}\n`);
}

/** Anything that would print to stdout (a library's console.log) goes to stderr: stdout is the protocol's. */
function keepStdoutForProtocol(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/**
 * Checks, before serving stdio, that the key, the endpoint and the session are good: a JSON-RPC
 * ping to the MCP URL. Switchboard answers it before any `initialize`, or refuses with its own error.
 */
async function checkTarget(target: ConnectTarget): Promise<void> {
  const { StreamableHTTPClientTransport, isJSONRPCErrorResponse } = await import('@modelcontextprotocol/client');
  const transport = new StreamableHTTPClientTransport(new URL(target.mcpUrl), { requestInit: { headers: target.headers } });
  const signal = AbortSignal.timeout(startupTimeoutMs);
  const answered = new Promise<unknown>((resolve, reject) => {
    transport.onmessage = resolve;
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  answered.catch(() => {});
  transport.onerror = () => {};
  let failure: unknown;
  try {
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 'switchboard-connect-check', method: 'ping' }, { requestSignal: signal });
    const answer = await answered;
    if (!isJSONRPCErrorResponse(answer)) return;
    failure = { data: { status: 200, text: JSON.stringify(answer) } };
  } catch (error) {
    failure = error;
  } finally {
    await transport.close();
  }
  // An MCP server that wants `initialize` before a ping (a gateway in front of Switchboard, say)
  // answers with a plain JSON-RPC error, 400 or 404: an MCP endpoint all the same. Switchboard's own
  // refusals, other statuses (401, 403: the Host guard) and non-MCP answers stop here.
  const data = (failure as { data?: { status?: unknown; text?: unknown } } | undefined)?.data;
  const refusal = switchboardErrorIn(data?.text);
  if (refusal?.rpcCode !== undefined && !refusal.code && [200, 400, 404].includes(Number(data?.status))) return;
  throw startupFailure(failure, { base: target.base, credential: target.credential });
}

async function runConnect(options: ConnectOptions): Promise<void> {
  keepStdoutForProtocol();
  const apiKey = options.apiKey ?? process.env.SWITCHBOARD_API_KEY;
  const endpoint = options.endpoint ?? process.env.SWITCHBOARD_URL;
  if (!endpoint) {
    throw new SwitchboardError('VALIDATION_FAILED', "No endpoint: pass --endpoint with the Switchboard server's base URL, or set SWITCHBOARD_URL.", {
      field: 'endpoint',
    });
  }
  const log = createLogger(apiKey);
  const target = await resolveTarget(
    { apiKey, endpoint, user: options.user, toolkits: parseToolkits(options.toolkits), session: options.session },
    startupTimeoutMs,
  );
  await checkTarget(target);

  const [{ StreamableHTTPClientTransport }, { StdioServerTransport }, { startBridge }] = await Promise.all([
    import('@modelcontextprotocol/client'),
    import('@modelcontextprotocol/server/stdio'),
    import('./mcp-bridge.js'),
  ]);
  const bridge = await startBridge({
    local: new StdioServerTransport(),
    remote: new StreamableHTTPClientTransport(new URL(target.mcpUrl), { requestInit: { headers: target.headers } }),
    errorFor: (error) => bridgeErrorFor(error, target.base),
    log,
  });
  log(`relaying stdio to ${target.mcpUrl} (${target.description})`);
  const stop = () => void bridge.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await bridge.closed;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  // Exit even if an idle HTTP connection lingers; stdout has been written by then.
  setTimeout(() => process.exit(0), 500).unref();
}

export function registerConnect(program: Command): void {
  program
    .command('connect')
    .description('Bridge a local stdio MCP client (Claude Desktop, any stdio client) to a Switchboard server')
    .option('--api-key <key>', "API key sent to Switchboard as x-api-key (SWITCHBOARD_API_KEY; not needed with a session's token_url as --endpoint)")
    .option('--endpoint <url>', 'base URL of the Switchboard server, or a full MCP URL: …/mcp, …/mcp/trs_…, a token_url (SWITCHBOARD_URL)')
    .option('--user <id>', "end user the agent acts for (default: the key's own user, for a key bound to one)")
    .option('--toolkits <list>', 'comma-separated toolkits: create a session limited to them at start, and bridge to it')
    .option('--session <id>', 'bridge to this existing session (trs_…)')
    .addHelpText('after', helpText)
    .action((options: ConnectOptions) => runConnect(options));
}
