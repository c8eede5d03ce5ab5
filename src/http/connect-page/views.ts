import { createHash } from 'node:crypto';
import type { ConnectionField } from '../../auth/index.js';
import { html, raw, type SafeHtml } from './html.js';

const styles = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #d9dde6; --accent: #2f5bea; --accent-dark: #2449c4; --bad: #b42318; --good: #067647; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 24px; background: #f3f5f9;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); }
main { width: 100%; max-width: 440px; background: #fff; border: 1px solid var(--line); border-radius: 14px; padding: 32px;
  box-shadow: 0 10px 30px rgba(29, 36, 51, .08); }
.mark { width: 44px; height: 44px; border-radius: 10px; display: grid; place-items: center; font-weight: 700; font-size: 20px;
  color: #fff; background: var(--accent); margin-bottom: 16px; }
.mark.good { background: var(--good); } .mark.bad { background: var(--bad); }
h1 { font-size: 22px; line-height: 1.3; margin: 0 0 8px; }
p { margin: 0 0 16px; color: var(--muted); }
label { display: block; font-weight: 600; margin: 18px 0 6px; }
.hint { font-size: 13px; color: var(--muted); margin: 6px 0 0; }
input { width: 100%; padding: 10px 12px; font: inherit; border: 1px solid var(--line); border-radius: 8px; background: #fff; color: var(--ink); }
input:focus { outline: 3px solid rgba(47, 91, 234, .25); border-color: var(--accent); }
input[aria-invalid="true"] { border-color: var(--bad); }
.field-error { color: var(--bad); font-size: 14px; margin: 6px 0 0; }
.alert { border-radius: 8px; padding: 12px 14px; margin: 0 0 16px; font-size: 15px; background: #fef3f2; color: var(--bad); border: 1px solid #fecdca; }
.button { display: block; width: 100%; margin-top: 24px; padding: 12px 16px; border: 0; border-radius: 8px; background: var(--accent); color: #fff;
  font: inherit; font-weight: 600; text-align: center; text-decoration: none; cursor: pointer; }
.button:hover { background: var(--accent-dark); }
.button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--line); }
footer { margin-top: 24px; padding-top: 16px; border-top: 1px solid var(--line); font-size: 13px; color: var(--muted); }
`;

/** The page's only style sheet, allowed by hash in its Content-Security-Policy (no inline script at all). */
export const contentSecurityPolicy = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(styles).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

function page(title: string, body: SafeHtml, options: { refreshTo?: string | undefined } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.refreshTo ? html`<meta http-equiv="refresh" content="${`2;url=${options.refreshTo}`}">` : ''}
<title>${title} · Switchboard</title>
<style>${raw(styles)}</style>
</head>
<body>
<main>
${body}
<footer>Secured by Switchboard. Your credentials are encrypted and never shown to the AI agent or the app that sent you here.</footer>
</main>
</body>
</html>`.value;
}

const initial = (name: string) => (name.trim()[0] ?? '?').toUpperCase();

export interface FormView {
  token: string;
  toolkitName: string;
  reconnect: boolean;
  accountStatus: string;
  accountStatusReason: string | null;
  fields: readonly ConnectionField[];
  /** Values to show again after an error (never secret ones). */
  values?: Record<string, string>;
  errors?: Record<string, string>;
  alert?: string;
}

function inputType(field: ConnectionField): string {
  if (field.secret) return 'password';
  if (field.format === 'email') return 'email';
  if (field.format === 'url') return 'url';
  return 'text';
}

function fieldMarkup(field: ConnectionField, value: string | undefined, error: string | undefined): SafeHtml {
  const id = `field-${field.name}`;
  const described = [field.description ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<label for="${id}">${field.label}${field.required ? '' : html` <span class="hint">(optional)</span>`}</label>
<input id="${id}" name="${field.name}" type="${inputType(field)}" maxlength="${field.max_length}" ${field.required ? html`required` : ''}
  autocomplete="${field.secret ? 'off' : 'on'}" spellcheck="false" value="${field.secret ? '' : (value ?? '')}"
  ${described ? html`aria-describedby="${described}"` : ''} ${error ? html`aria-invalid="true"` : ''}>
${field.description ? html`<p class="hint" id="${id}-hint">${field.description}</p>` : ''}
${error ? html`<p class="field-error" id="${id}-error" role="alert">${error}</p>` : ''}`;
}

function reconnectNote(view: { reconnect: boolean; accountStatus: string; accountStatusReason: string | null }): SafeHtml | string {
  if (!view.reconnect || view.accountStatus === 'ACTIVE') return '';
  return html`<p>The previous connection stopped working${view.accountStatusReason ? html` (${view.accountStatusReason})` : ''}.</p>`;
}

export function renderForm(view: FormView): string {
  const verb = view.reconnect ? 'Reconnect' : 'Connect';
  // Problems with values the form does not have (a crafted submission) have no field to sit next to.
  const stray = Object.entries(view.errors ?? {}).filter(([name]) => !view.fields.some((field) => field.name === name));
  const alert = view.alert ?? (stray.length > 0 ? stray.map(([name, message]) => `${name}: ${message}`).join(' ') : undefined);
  const body = html`<div class="mark" aria-hidden="true">${initial(view.toolkitName)}</div>
<h1>${verb} ${view.toolkitName}</h1>
<p>Enter the details below to let the app use ${view.toolkitName} on your behalf.</p>
${reconnectNote(view)}
${alert ? html`<div class="alert" role="alert">${alert}</div>` : ''}
<form method="post" action="/connect/${view.token}" novalidate>
${view.fields.map((field) => fieldMarkup(field, view.values?.[field.name], view.errors?.[field.name]))}
<button class="button" type="submit">${verb}</button>
</form>`;
  return page(`${verb} ${view.toolkitName}`, body);
}

export function renderOAuthStart(view: {
  token: string;
  toolkitName: string;
  reconnect: boolean;
  accountStatus: string;
  accountStatusReason: string | null;
}): string {
  const verb = view.reconnect ? 'Reconnect' : 'Connect';
  const body = html`<div class="mark" aria-hidden="true">${initial(view.toolkitName)}</div>
<h1>${verb} ${view.toolkitName}</h1>
<p>You will sign in with ${view.toolkitName} and choose what the app may access. ${view.toolkitName} never shares your password.</p>
${reconnectNote(view)}
<a class="button" href="/connect/${view.token}/authorize">Continue to ${view.toolkitName}</a>`;
  return page(`${verb} ${view.toolkitName}`, body);
}

export function renderSuccess(view: { toolkitName: string; returnTo: string | null }): string {
  const body = html`<div class="mark good" aria-hidden="true">✓</div>
<h1>${view.toolkitName} is connected</h1>
${
  view.returnTo
    ? html`<p>Taking you back to the app…</p><a class="button" href="${view.returnTo}">Return to the app</a>`
    : html`<p>You can close this window and go back to your conversation.</p>`
}`;
  return page(`${view.toolkitName} connected`, body, { refreshTo: view.returnTo ?? undefined });
}

export function renderProblem(view: { title: string; message: string; retryToken?: string | undefined; returnTo?: string | null | undefined }): string {
  const body = html`<div class="mark bad" aria-hidden="true">!</div>
<h1>${view.title}</h1>
<p role="alert">${view.message}</p>
${view.retryToken ? html`<a class="button" href="/connect/${view.retryToken}">Try again</a>` : ''}
${view.returnTo ? html`<a class="button secondary" href="${view.returnTo}">Back to the app</a>` : ''}`;
  return page(view.title, body);
}
