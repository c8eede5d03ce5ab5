import type { AuthScheme, ResolvedCredential } from '../auth/index.js';
import { SwitchboardError } from '../errors.js';

export interface RequestParts {
  headers: Record<string, string>;
  query: [string, string][];
  /** Variables of base_url / server templates (api_key in path). */
  urlVariables: Record<string, string>;
}

/** Puts a resolved credential where its scheme says: a header, the query, the base URL, or Authorization. */
export function applyCredential(scheme: AuthScheme, credential: ResolvedCredential, parts: RequestParts): void {
  const value = (name: string) => {
    const found = credential.fields[name];
    if (found === undefined || found === '') {
      throw new SwitchboardError('NOT_CONNECTED', `The connected account lacks the "${name}" credential; reconnect it.`, {
        connected_account_id: credential.connectedAccountId,
      });
    }
    return found;
  };
  switch (scheme.type) {
    case 'none':
      return;
    case 'api_key': {
      if (scheme.in === 'path') {
        for (const field of scheme.fields) if (credential.fields[field.name] !== undefined) parts.urlVariables[field.name] = credential.fields[field.name]!;
        return;
      }
      const key = `${scheme.prefix ?? ''}${value(scheme.fields[0]!.name)}`;
      const name = scheme.name ?? (scheme.in === 'header' ? 'x-api-key' : 'api_key');
      if (scheme.in === 'header') parts.headers[name.toLowerCase()] = key;
      else parts.query.push([name, key]);
      return;
    }
    case 'basic': {
      const [user, password] = scheme.fields;
      parts.headers.authorization = `Basic ${Buffer.from(`${value(user!.name)}:${value(password!.name)}`).toString('base64')}`;
      return;
    }
    case 'bearer':
      parts.headers.authorization = `Bearer ${value(scheme.fields[0]!.name)}`;
      return;
    case 'oauth2':
      parts.headers.authorization = `Bearer ${value('access_token')}`;
      return;
  }
}
