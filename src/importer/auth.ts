import type { AuthScheme } from '../auth/index.js';
import type { SpecDialect } from './parse.js';
import { isRecord } from './parse.js';

export interface AuthMapping {
  schemes: AuthScheme[];
  /** `securitySchemes` entries that could not be mapped, with why. */
  skipped: { scheme: string; reason: string }[];
}

function absoluteUrl(value: unknown, base: string | undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return new URL(value, base).href;
  } catch {
    return undefined;
  }
}

function scopesOf(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value) : [];
}

const basicFields = [
  { name: 'username', label: 'Username', secret: false, required: true, max_length: 4096 },
  { name: 'password', label: 'Password', secret: true, required: true, max_length: 4096 },
];

function oauth2(grant: 'authorization_code' | 'client_credentials', flow: Record<string, unknown>, base: string | undefined): AuthScheme | { reason: string } {
  const tokenUrl = absoluteUrl(flow.tokenUrl, base);
  if (!tokenUrl) return { reason: 'the OAuth 2 flow has no usable tokenUrl' };
  const authorizationUrl = absoluteUrl(flow.authorizationUrl, base);
  if (grant === 'authorization_code' && !authorizationUrl) return { reason: 'the authorization-code flow has no usable authorizationUrl' };
  return {
    type: 'oauth2',
    grant,
    ...(grant === 'authorization_code' ? { authorization_url: authorizationUrl! } : {}),
    token_url: tokenUrl,
    scopes: scopesOf(flow.scopes),
    pkce: grant === 'authorization_code',
  } as AuthScheme;
}

/** One security scheme object → the Switchboard schemes it maps to (an OAuth 2 scheme may give two grants). */
function mapScheme(scheme: Record<string, unknown>, dialect: SpecDialect, base: string | undefined): (AuthScheme | { reason: string })[] {
  const type = String(scheme.type ?? '');
  const label = typeof scheme.description === 'string' && scheme.description.trim() ? scheme.description.trim().slice(0, 300) : undefined;
  if (type === 'basic' || (type === 'http' && String(scheme.scheme ?? '').toLowerCase() === 'basic')) {
    return [{ type: 'basic', fields: basicFields.map((field) => ({ ...field })) }];
  }
  if (type === 'http' && String(scheme.scheme ?? '').toLowerCase() === 'bearer') {
    return [
      {
        type: 'bearer',
        fields: [
          {
            name: 'token',
            label: 'Bearer token',
            ...(label ? { description: label } : {}),
            secret: true,
            required: true,
            max_length: 8192,
          },
        ],
      },
    ];
  }
  if (type === 'http') return [{ reason: `HTTP "${String(scheme.scheme)}" authentication is not supported (only basic and bearer)` }];
  if (type === 'apiKey') {
    const where = String(scheme.in ?? '');
    if (where !== 'header' && where !== 'query') return [{ reason: `API keys in "${where}" are not supported (only header and query)` }];
    if (typeof scheme.name !== 'string' || !scheme.name) return [{ reason: 'the API key scheme names no header or query parameter' }];
    return [
      {
        type: 'api_key',
        in: where,
        name: scheme.name,
        fields: [{ name: 'api_key', label: 'API key', ...(label ? { description: label } : {}), secret: true, required: true, max_length: 4096 }],
      },
    ];
  }
  if (type === 'oauth2') {
    if (dialect === 'swagger2') {
      const flow = String(scheme.flow ?? '');
      if (flow === 'accessCode') return [oauth2('authorization_code', scheme, base)];
      if (flow === 'application') return [oauth2('client_credentials', scheme, base)];
      return [{ reason: `the OAuth 2 "${flow}" flow is not supported (only accessCode and application)` }];
    }
    const flows = isRecord(scheme.flows) ? scheme.flows : {};
    const mapped: (AuthScheme | { reason: string })[] = [];
    if (isRecord(flows.authorizationCode)) mapped.push(oauth2('authorization_code', flows.authorizationCode, base));
    if (isRecord(flows.clientCredentials)) mapped.push(oauth2('client_credentials', flows.clientCredentials, base));
    if (mapped.length === 0) {
      return [{ reason: `none of its OAuth 2 flows (${Object.keys(flows).join(', ') || 'none'}) is supported (only authorizationCode and clientCredentials)` }];
    }
    return mapped;
  }
  if (type === 'openIdConnect') return [{ reason: 'OpenID Connect discovery is not supported' }];
  return [{ reason: `unknown security scheme type "${type}"` }];
}

/** Maps `components.securitySchemes` (or Swagger `securityDefinitions`) to toolkit auth schemes, one per kind. */
export function mapSecuritySchemes(document: Record<string, unknown>, dialect: SpecDialect, base: string | undefined): AuthMapping {
  const definitions =
    dialect === 'swagger2'
      ? document.securityDefinitions
      : isRecord(document.components)
        ? (document.components as Record<string, unknown>).securitySchemes
        : undefined;
  const schemes: AuthScheme[] = [];
  const skipped: AuthMapping['skipped'] = [];
  const kinds = new Set<string>();
  if (!isRecord(definitions)) return { schemes, skipped };
  for (const [name, scheme] of Object.entries(definitions)) {
    if (!isRecord(scheme)) {
      skipped.push({ scheme: name, reason: 'not an object' });
      continue;
    }
    if (typeof scheme.$ref === 'string') {
      skipped.push({ scheme: name, reason: 'security schemes given as $ref are not supported' });
      continue;
    }
    for (const result of mapScheme(scheme, dialect, base)) {
      if ('reason' in result) {
        skipped.push({ scheme: name, reason: result.reason });
        continue;
      }
      // A connection picks its scheme by kind: keep the first of each.
      const kind = result.type === 'oauth2' ? `oauth2:${result.grant}` : result.type;
      if (kinds.has(kind)) {
        skipped.push({ scheme: name, reason: `another ${kind.replace(':', ' ')} scheme was imported first` });
        continue;
      }
      kinds.add(kind);
      schemes.push(result);
    }
  }
  return { schemes, skipped };
}
