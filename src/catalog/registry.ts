import { and, asc, eq, sql } from 'drizzle-orm';
import type { ToolkitAuthFacts } from '../auth/index.js';
import { type ChangeFeed, type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { canonicalJson, storable } from '../json.js';
import { decodeOffsetCursor, encodeOffsetCursor, type Page } from '../pagination.js';
import { type Principal, requireScope } from '../tenancy/index.js';
import { type ToolDefinition, type ToolkitDefinition, toolkitDefinitionSchema } from './definition.js';
import { presentTool, presentToolkit, type ToolkitView, type ToolView } from './views.js';

export interface ResolvedTool {
  toolkit: ToolkitDefinition;
  tool: ToolDefinition;
  source: 'builtin' | 'custom';
  /** Identifies this exact tool version (compiled-schema caches key on it). */
  cacheKey: string;
}

interface ProjectToolkit {
  toolkit: ToolkitDefinition;
  tools: Map<string, ToolDefinition>;
  updatedAt: number;
}

const toolkitChangeTopic = 'project_toolkits';

export interface ToolQuery {
  toolkit?: string | undefined;
  q?: string | undefined;
  tags?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function paginate<T>(items: T[], limit: number, cursor: string | undefined): Page<T> {
  const offset = decodeOffsetCursor(cursor);
  const pageItems = items.slice(offset, offset + limit);
  return { items: pageItems, next_cursor: offset + limit < items.length ? encodeOffsetCursor(offset + limit) : null };
}

/**
 * Word filter for listing: every term must occur; tools whose slug or name carry the terms come
 * first, then tags, then descriptions. (Ranked retrieval for agents is the router's search.)
 */
function queryScore(toolkit: ToolkitDefinition, tool: ToolDefinition, terms: string[]): number {
  if (terms.length === 0) return 1;
  const normalise = (text: string) => text.toLowerCase().replace(/_/g, ' ');
  const title = normalise(`${tool.slug} ${tool.name}`);
  const tags = normalise(`${tool.tags.join(' ')} ${toolkit.slug} ${toolkit.name}`);
  const description = normalise(tool.description);
  let score = 0;
  for (const term of terms) {
    const weight = title.includes(term) ? 4 : tags.includes(term) ? 2 : description.includes(term) ? 1 : 0;
    if (weight === 0) return 0;
    score += weight;
  }
  return score;
}

/**
 * The tools a project can see: the built-in toolkits shipped with Switchboard plus the project's own.
 * Built-ins are held in memory; project toolkits are read from the database so every instance
 * sees a change at once.
 */
export function createCatalog(db: Database, builtin: readonly ToolkitDefinition[], changes: ChangeFeed) {
  const projectCache = changes.cache<ProjectToolkit[]>(toolkitChangeTopic);
  const builtinVisible = builtin.map((toolkit) => ({ toolkit, source: 'builtin' as const }));
  const builtinBySlug = new Map(builtin.map((toolkit) => [toolkit.slug, toolkit]));
  const builtinTools = new Map<string, ResolvedTool>();
  for (const toolkit of builtin) {
    for (const tool of toolkit.tools) builtinTools.set(tool.slug, { toolkit, tool, source: 'builtin', cacheKey: `builtin:${tool.slug}@${toolkit.version}` });
  }

  /** A project's own toolkits, read once per change (cached per project, dropped by the change feed). */
  async function projectToolkits(projectId: string): Promise<ProjectToolkit[]> {
    const loaded = await projectCache.get(projectId, async () => {
      const rows = await db.select().from(tables.toolkits).where(eq(tables.toolkits.projectId, projectId)).orderBy(asc(tables.toolkits.slug));
      return rows.map((row) => {
        const toolkit = row.definition as ToolkitDefinition;
        return { toolkit, tools: new Map(toolkit.tools.map((tool) => [tool.slug, tool])), updatedAt: row.updatedAt.getTime() };
      });
    });
    return loaded ?? [];
  }

  async function visibleToolkits(projectId: string): Promise<{ toolkit: ToolkitDefinition; source: 'builtin' | 'custom' }[]> {
    const custom = await projectToolkits(projectId);
    return [...builtinVisible, ...custom.map(({ toolkit }) => ({ toolkit, source: 'custom' as const }))];
  }

  async function findToolkit(projectId: string, slug: string): Promise<{ toolkit: ToolkitDefinition; source: 'builtin' | 'custom' }> {
    const known = builtinBySlug.get(slug);
    if (known) return { toolkit: known, source: 'builtin' };
    const custom = (await projectToolkits(projectId)).find(({ toolkit }) => toolkit.slug === slug);
    if (!custom)
      throw new SwitchboardError('TOOLKIT_NOT_FOUND', `There is no toolkit "${slug}". GET /v1/toolkits lists the available ones.`, { toolkit: slug });
    return { toolkit: custom.toolkit, source: 'custom' };
  }

  async function findTool(projectId: string, toolSlug: string): Promise<ResolvedTool> {
    const known = builtinTools.get(toolSlug);
    if (known) return known;
    for (const { toolkit, tools, updatedAt } of await projectToolkits(projectId)) {
      const tool = tools.get(toolSlug);
      if (tool) return { toolkit, tool, source: 'custom', cacheKey: `${projectId}:${tool.slug}@${toolkit.version}:${updatedAt}` };
    }
    throw new SwitchboardError('TOOL_NOT_FOUND', `There is no tool "${toolSlug}". GET /v1/tools?q=… finds tools by what they do.`, { tool_slug: toolSlug });
  }

  return {
    findTool,
    findToolkit,
    visibleToolkits,

    /** What the auth module needs of a toolkit (its schemes and tool slugs). */
    async authFacts(projectId: string, slug: string): Promise<ToolkitAuthFacts> {
      const { toolkit } = await findToolkit(projectId, slug);
      return { slug: toolkit.slug, name: toolkit.name, auth: toolkit.auth, toolSlugs: toolkit.tools.map((tool) => tool.slug) };
    },

    async listToolkits(principal: Principal, page: { limit: number; cursor?: string | undefined }): Promise<Page<ToolkitView>> {
      const visible = await visibleToolkits(principal.projectId);
      return paginate(
        visible.map(({ toolkit, source }) => presentToolkit(toolkit, source)),
        page.limit,
        page.cursor,
      );
    },

    async getToolkit(principal: Principal, slug: string): Promise<ToolkitView & { tools: ToolView[] }> {
      const { toolkit, source } = await findToolkit(principal.projectId, slug);
      return { ...presentToolkit(toolkit, source), tools: toolkit.tools.map((tool) => presentTool(toolkit, tool)) };
    },

    async listTools(principal: Principal, query: ToolQuery): Promise<Page<ToolView>> {
      const visible = query.toolkit ? [await findToolkit(principal.projectId, query.toolkit)] : await visibleToolkits(principal.projectId);
      const terms = (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const tags = (query.tags ?? '')
        .split(',')
        .map((tag) => tag.trim().toLowerCase())
        .filter(Boolean);
      const scored = visible.flatMap(({ toolkit }) =>
        toolkit.tools
          .filter((tool) => tags.every((tag) => tool.tags.map((t) => t.toLowerCase()).includes(tag)))
          .map((tool) => ({ toolkit, tool, score: queryScore(toolkit, tool, terms) }))
          .filter((entry) => entry.score > 0),
      );
      // Stable sort: equal scores keep catalog order, so pages do not shift between requests.
      scored.sort((a, b) => b.score - a.score);
      return paginate(
        scored.map(({ toolkit, tool }) => presentTool(toolkit, tool)),
        query.limit,
        query.cursor,
      );
    },

    async getTool(principal: Principal, slug: string): Promise<ToolView> {
      const { toolkit, tool } = await findTool(principal.projectId, slug);
      return presentTool(toolkit, tool);
    },

    /** Creates or updates a project toolkit; a changed definition needs a new version. */
    async upsertToolkit(principal: Principal, input: unknown): Promise<ToolkitView> {
      requireScope(principal, 'manage');
      const parsed = toolkitDefinitionSchema.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(definition)', message: issue.message }));
        throw new SwitchboardError('VALIDATION_FAILED', `Invalid toolkit definition: ${issues[0]?.field}: ${issues[0]?.message}.`, { issues });
      }
      // Descriptions fetched by the importer may hold text PostgreSQL cannot (NUL, lone surrogates).
      const definition = storable(parsed.data);
      if (builtinBySlug.has(definition.slug)) {
        throw new SwitchboardError('CONFLICT', `"${definition.slug}" is a built-in toolkit; choose another slug.`, { toolkit: definition.slug });
      }
      const collision = definition.tools.find((tool) => builtinTools.has(tool.slug));
      if (collision) throw new SwitchboardError('CONFLICT', `Tool ${collision.slug} already exists in a built-in toolkit.`, { tool_slug: collision.slug });
      await db.transaction(async (tx) => {
        const [existing] = await tx
          .select()
          .from(tables.toolkits)
          .where(and(eq(tables.toolkits.projectId, principal.projectId), eq(tables.toolkits.slug, definition.slug)))
          .for('update');
        if (existing && existing.version === definition.version && canonicalJson(existing.definition) !== canonicalJson(definition)) {
          throw new SwitchboardError(
            'CONFLICT',
            `Toolkit ${definition.slug} ${definition.version} exists with other content; raise "version" to publish a change.`,
            {
              toolkit: definition.slug,
              version: definition.version,
            },
          );
        }
        const [seenVersion] = await tx
          .select({ version: tables.toolkitVersions.version })
          .from(tables.toolkitVersions)
          .where(
            and(
              eq(tables.toolkitVersions.projectId, principal.projectId),
              eq(tables.toolkitVersions.slug, definition.slug),
              eq(tables.toolkitVersions.version, definition.version),
            ),
          );
        if (seenVersion && existing?.version !== definition.version) {
          throw new SwitchboardError('CONFLICT', `Version ${definition.version} of ${definition.slug} was published before; use a new version.`, {
            toolkit: definition.slug,
          });
        }
        await tx
          .insert(tables.toolkits)
          .values({ projectId: principal.projectId, slug: definition.slug, version: definition.version, definition })
          .onConflictDoUpdate({
            target: [tables.toolkits.projectId, tables.toolkits.slug],
            set: { version: definition.version, definition, updatedAt: sql`now()` },
          });
        await tx
          .insert(tables.toolkitVersions)
          .values({ projectId: principal.projectId, slug: definition.slug, version: definition.version, definition })
          .onConflictDoNothing();
      });
      await changes.changed(toolkitChangeTopic, principal.projectId);
      return presentToolkit(definition, 'custom');
    },

    async deleteToolkit(principal: Principal, slug: string): Promise<void> {
      requireScope(principal, 'manage');
      if (builtinBySlug.has(slug)) throw new SwitchboardError('CONFLICT', `"${slug}" is built in and cannot be deleted.`, { toolkit: slug });
      const deleted = await db
        .delete(tables.toolkits)
        .where(and(eq(tables.toolkits.projectId, principal.projectId), eq(tables.toolkits.slug, slug)))
        .returning({ slug: tables.toolkits.slug });
      if (deleted.length === 0) throw new SwitchboardError('TOOLKIT_NOT_FOUND', `There is no toolkit "${slug}" in this project.`, { toolkit: slug });
      await changes.changed(toolkitChangeTopic, principal.projectId);
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
