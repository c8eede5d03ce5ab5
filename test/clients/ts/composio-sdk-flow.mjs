// The official TypeScript SDK (@composio/core, which needs Node >= 22) against Switchboard, pointed at it by
// COMPOSIO_BASE_URL and COMPOSIO_API_KEY. Steps as in ../python/composio_sdk_flow.py; one JSON line each.
// The version check and usage analytics are switched off: tests talk only to 127.0.0.1.
import { Composio } from '@composio/core';

const privacy = { disableVersionCheck: true, allowTracking: false };
const composio = new Composio({ apiKey: process.env.COMPOSIO_API_KEY, ...privacy });
const [step, ...args] = process.argv.slice(2);

async function failure(name, action) {
  try {
    await action();
  } catch (error) {
    return { case: name, type: error.constructor.name, message: String(error.message) };
  }
  return { case: name, type: null, message: 'no error' };
}

const steps = {
  async create(userId, authConfig) {
    const session = await composio.create(userId, { toolkits: ['backendless'], authConfigs: { backendless: authConfig } });
    const request = await session.authorize('backendless');
    return {
      session_id: session.sessionId,
      mcp_url: session.mcp.url,
      mcp_headers: session.mcp.headers ?? {},
      redirect_url: request.redirectUrl,
      connected_account_id: request.id,
      status: request.status,
    };
  },
  async execute(userId, sessionId) {
    const session = await composio.use(sessionId);
    const result = await session.execute('BACKENDLESS_DIRECTORY_LISTING', { path: '/' });
    const toolkits = await session.toolkits();
    const accounts = await composio.connectedAccounts.list({ userIds: [userId] });
    return {
      result: { data: result.data, error: result.error ?? null, log_id: result.logId },
      toolkits: toolkits.items.map((item) => ({ slug: item.slug, active: Boolean(item.connection?.isActive) })),
      accounts: accounts.items.map((item) => ({ id: item.id, status: item.status, toolkit: item.toolkit.slug })),
    };
  },
  async errors(userId, sessionId, otherKey) {
    const wrong = new Composio({ apiKey: `sk_${'0'.repeat(42)}`, ...privacy });
    const other = new Composio({ apiKey: otherKey, ...privacy });
    const session = await composio.use(sessionId);
    return {
      errors: [
        await failure('wrong key', () => wrong.create(userId, { toolkits: ['backendless'] })),
        await failure('unknown toolkit', () => composio.create(userId, { toolkits: ['no_such_app'] })),
        await failure('unknown tool', () => session.execute('BACKENDLESS_NO_SUCH_TOOL', {})),
        await failure("another user's session", async () => (await other.use(sessionId)).execute('BACKENDLESS_DIRECTORY_LISTING', { path: '/' })),
        await failure('malformed config', () => composio.create(userId, { toolkits: ['backendless'], tools: { backendless: { enable: 'not-a-list' } } })),
      ],
    };
  },
};

console.log(JSON.stringify(await steps[step](...args)));
