import type { HttpClient, RequestOptions } from './http.js';
import { path } from './http.js';
import { type Page, type PageParams, paginate, toPage, type WirePage } from './pagination.js';
import { type Tool, toolFromWire, type WireTool } from './tools.js';

/** A value the person connecting an account types in. */
export interface ToolkitAuthField {
  name: string;
  label: string;
  description?: string;
  secret: boolean;
  required: boolean;
}

/** One way a toolkit accepts credentials (`none`, `api_key`, `basic`, `bearer`, `oauth2`). */
export interface ToolkitAuthScheme {
  type: string;
  fields: ToolkitAuthField[];
  /** OAuth schemes: the default scopes. */
  scopes?: string[];
}

/** An app whose tools Switchboard can call: built in, or one of the project's own. */
export interface Toolkit {
  slug: string;
  name: string;
  version: string;
  description: string;
  categories: string[];
  logo: string | null;
  docsUrl: string | null;
  source: 'builtin' | 'custom';
  authSchemes: ToolkitAuthScheme[];
  toolsCount: number;
}

/** A toolkit with its tools (`toolkits.get`). */
export interface ToolkitWithTools extends Toolkit {
  tools: Tool[];
}

interface WireToolkit {
  slug: string;
  name: string;
  version: string;
  description: string;
  categories: string[];
  logo: string | null;
  docs_url: string | null;
  source: 'builtin' | 'custom';
  auth_schemes: { type: string; fields: ToolkitAuthField[]; scopes?: string[] }[];
  tools_count: number;
}

function toolkitFromWire(wire: WireToolkit): Toolkit {
  return {
    slug: wire.slug,
    name: wire.name,
    version: wire.version,
    description: wire.description,
    categories: wire.categories,
    logo: wire.logo,
    docsUrl: wire.docs_url,
    source: wire.source,
    authSchemes: wire.auth_schemes.map((scheme) => ({
      type: scheme.type,
      fields: scheme.fields.map((field) => ({
        name: field.name,
        label: field.label,
        ...(field.description !== undefined ? { description: field.description } : {}),
        secret: field.secret,
        required: field.required,
      })),
      ...(scheme.scopes ? { scopes: scheme.scopes } : {}),
    })),
    toolsCount: wire.tools_count,
  };
}

/** `/v1/toolkits`: the catalog. */
export class Toolkits {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** One page of toolkits: built-in and the project's own. */
  async list(params: PageParams = {}, options?: RequestOptions): Promise<Page<Toolkit>> {
    const page = await this.#http.get<WirePage<WireToolkit>>('/v1/toolkits', { limit: params.limit, cursor: params.cursor }, options);
    return toPage(page, toolkitFromWire);
  }

  /** Every toolkit, page after page. */
  listAll(params: Omit<PageParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<Toolkit, void, undefined> {
    return paginate((cursor) => this.list({ ...params, cursor }, options));
  }

  /** A toolkit with its tools (and their input schemas). */
  async get(slug: string, options?: RequestOptions): Promise<ToolkitWithTools> {
    const wire = await this.#http.get<WireToolkit & { tools: WireTool[] }>(path`/v1/toolkits/${slug}`, undefined, options);
    return { ...toolkitFromWire(wire), tools: wire.tools.map(toolFromWire) };
  }
}
