import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { type ConnectLinkService, callbackWithOutcome, oauthCallbackPath } from '../../auth/index.js';
import { SwitchboardError } from '../../errors.js';
import { toSwitchboardError } from '../errors.js';
import { contentSecurityPolicy, renderForm, renderOAuthStart, renderProblem, renderSuccess } from './views.js';

const linkTokenPattern = /^lt_[A-Za-z0-9_-]{20,64}$/;

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) cookies[part.slice(0, separator).trim()] = part.slice(separator + 1).trim();
  }
  return cookies;
}

/** Text-only values from a submitted form or JSON body; anything else is reported per field, not crashed on. */
function submittedValues(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** What a person sees for each way a link can be unusable. */
function problemFor(error: SwitchboardError): { status: number; title: string; message: string } {
  if (error.code === 'LINK_EXPIRED') {
    return { status: 410, title: error.details?.reason === 'used' ? 'This link was already used' : 'This link has expired', message: error.message };
  }
  if (error.code === 'NOT_FOUND') return { status: 404, title: 'This link is not valid', message: error.message };
  if (error.status >= 500) {
    return {
      status: error.status,
      title: 'Something went wrong',
      message: `${error.message} Try again in a moment; if it keeps failing, ask the app for a new link.`,
    };
  }
  return { status: error.status, title: 'This could not be completed', message: error.message };
}

/**
 * The hosted connect page: `GET /connect/{link}` asks for the scheme's fields or offers the OAuth
 * sign-in, `POST` stores typed-in credentials, `…/authorize` starts the OAuth redirect and
 * `/connect/oauth/callback` finishes it. Public (the link token is the capability), no script,
 * strict CSP, never cached, never framed.
 */
export const connectPageRoutes: FastifyPluginAsync<{ connectLinks: ConnectLinkService; publicUrl: string }> = async (app, { connectLinks, publicUrl }) => {
  const secureCookies = publicUrl.startsWith('https:');

  app.addHook('onRoute', (route) => {
    // A browser page: its tokens are only hashed, its form fields have their own per-field checks,
    // and every refusal must be a page, not the API's JSON error.
    route.config = { ...route.config, auth: false, checkText: false };
    route.schema = { ...route.schema, hide: true };
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', contentSecurityPolicy);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
  });

  const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).type('text/html; charset=utf-8').send(body);
  const sendProblem = (reply: FastifyReply, error: SwitchboardError, extra: { retryToken?: string | undefined; returnTo?: string | null } = {}) => {
    const problem = problemFor(error);
    return send(reply, problem.status, renderProblem({ title: problem.title, message: problem.message, ...extra }));
  };

  app.setErrorHandler((error, request, reply) => {
    const mapped = toSwitchboardError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'connect page failed');
    return sendProblem(reply, mapped);
  });

  const invalidLink = (reply: FastifyReply) =>
    sendProblem(reply, new SwitchboardError('NOT_FOUND', 'This connect link is not valid. Ask the app that sent it for a new one.'));

  async function showLink(token: string, reply: FastifyReply, form: { values?: Record<string, string>; errors?: Record<string, string>; alert?: string } = {}) {
    const view = await connectLinks.page(token);
    switch (view.state) {
      case 'unknown':
        return invalidLink(reply);
      case 'expired':
      case 'completed':
        return sendProblem(
          reply,
          new SwitchboardError(
            'LINK_EXPIRED',
            view.state === 'completed'
              ? `This link was already used to connect ${view.toolkitName}. Ask the app for a new link if you need to connect again.`
              : `This link to connect ${view.toolkitName} has expired. Ask the app that sent it for a new one.`,
            { reason: view.state === 'completed' ? 'used' : 'expired' },
          ),
        );
      case 'pending': {
        const common = {
          token,
          toolkitName: view.toolkitName,
          reconnect: view.reconnect,
          accountStatus: view.accountStatus,
          accountStatusReason: view.accountStatusReason,
        };
        if (view.scheme === 'oauth2') return send(reply, form.alert ? 422 : 200, renderOAuthStart(common));
        const status = form.errors || form.alert ? 422 : 200;
        return send(reply, status, renderForm({ ...common, fields: view.fields, ...form }));
      }
    }
  }

  app.get<{ Params: { token: string } }>('/connect/:token', async (request, reply) => {
    if (!linkTokenPattern.test(request.params.token)) return invalidLink(reply);
    return showLink(request.params.token, reply);
  });

  app.post<{ Params: { token: string } }>('/connect/:token', async (request, reply) => {
    const { token } = request.params;
    if (!linkTokenPattern.test(token)) return invalidLink(reply);
    const values = submittedValues(request.body);
    try {
      const outcome = await connectLinks.submitFields(token, values);
      const returnTo = outcome.callbackUrl
        ? callbackWithOutcome(outcome.callbackUrl, { status: 'success', connectedAccountId: outcome.connectedAccountId })
        : null;
      return send(reply, 200, renderSuccess({ toolkitName: outcome.toolkitName, returnTo }));
    } catch (error) {
      const mapped = toSwitchboardError(error);
      if (mapped.code !== 'VALIDATION_FAILED') throw mapped;
      const errors = (mapped.details?.fields as Record<string, string> | undefined) ?? undefined;
      // Non-secret values are shown again so the person fixes only what is wrong; secret ones never are.
      const kept = Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      return showLink(token, reply, { values: kept, ...(errors ? { errors } : { alert: mapped.message }) });
    }
  });

  app.get<{ Params: { token: string } }>('/connect/:token/authorize', async (request, reply) => {
    const { token } = request.params;
    if (!linkTokenPattern.test(token)) return invalidLink(reply);
    const started = await connectLinks.beginOAuth(token);
    const cookie = [
      `${started.binding.name}=${started.binding.value}`,
      `Path=${oauthCallbackPath}`,
      'HttpOnly',
      'SameSite=Lax',
      `Max-Age=${connectLinks.stateLifetimeSeconds}`,
      ...(secureCookies ? ['Secure'] : []),
    ].join('; ');
    return reply.header('set-cookie', cookie).redirect(started.authorizationUrl, 302);
  });

  app.get(oauthCallbackPath, async (request, reply) => {
    const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
    const outcome = await connectLinks.completeOAuth(query, parseCookies(request.headers.cookie));
    // The binding cookie has served its purpose either way.
    for (const name of Object.keys(parseCookies(request.headers.cookie)).filter((cookie) => cookie.startsWith('sb_connect_'))) {
      reply.header('set-cookie', `${name}=; Path=${oauthCallbackPath}; HttpOnly; SameSite=Lax; Max-Age=0${secureCookies ? '; Secure' : ''}`);
    }
    if (outcome.error) {
      const returnTo = outcome.callbackUrl
        ? callbackWithOutcome(outcome.callbackUrl, { status: 'failed', connectedAccountId: outcome.connectedAccountId, error: outcome.error.message })
        : null;
      return sendProblem(reply, outcome.error, { retryToken: outcome.retryToken, returnTo });
    }
    const returnTo = outcome.callbackUrl
      ? callbackWithOutcome(outcome.callbackUrl, { status: 'success', connectedAccountId: outcome.connectedAccountId })
      : null;
    return send(reply, 200, renderSuccess({ toolkitName: outcome.toolkitName, returnTo }));
  });
};
