import { and, asc, count, eq, sql } from 'drizzle-orm';
import { type Database, tables } from '../db/index.js';
import { SwitchboardError } from '../errors.js';
import { newId } from '../ids.js';
import { keysetAfter, keysetOrder, type Page, type PageQuery, toPage } from '../pagination.js';
import { presentProject } from './present.js';
import { isInstanceAdmin, type Principal, requireScope } from './principal.js';
import type { ProjectView } from './schemas.js';

const { projects } = tables;

function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug.length >= 2 ? slug : `project-${slug}`.replace(/-+$/, '');
}

function notFound(id: string): SwitchboardError {
  return new SwitchboardError('NOT_FOUND', `Project ${id} was not found.`, { project_id: id });
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === '23505';
}

export function createProjectService(db: Database, hooks: { onDeleted?: () => Promise<void> } = {}) {
  async function insertProject(name: string, slug: string): Promise<ProjectView> {
    try {
      const [row] = await db
        .insert(projects)
        .values({ id: newId('proj'), name, slug })
        .returning();
      return presentProject(row!);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new SwitchboardError('CONFLICT', `A project with slug "${slug}" already exists; choose another slug.`, { slug });
      }
      throw error;
    }
  }

  async function find(principal: Principal, id: string) {
    if (id !== principal.projectId && !isInstanceAdmin(principal)) throw notFound(id);
    const [row] = await db.select().from(projects).where(eq(projects.id, id));
    if (!row) throw notFound(id);
    return row;
  }

  return {
    async list(principal: Principal, page: PageQuery): Promise<Page<ProjectView>> {
      const conditions = [];
      if (!isInstanceAdmin(principal)) conditions.push(eq(projects.id, principal.projectId));
      const rows = await db
        .select()
        .from(projects)
        .where(and(...conditions, keysetAfter(projects, page.cursor)))
        .orderBy(...keysetOrder(projects))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, presentProject);
    },

    async get(principal: Principal, id: string): Promise<ProjectView> {
      return presentProject(await find(principal, id));
    },

    async create(principal: Principal, input: { name: string; slug?: string | undefined }): Promise<ProjectView> {
      requireScope(principal, 'admin');
      if (input.slug) return insertProject(input.name, input.slug);
      const base = slugify(input.name);
      for (let attempt = 0; attempt < 5; attempt++) {
        const slug = attempt === 0 ? base : `${base}-${Math.random().toString(36).slice(2, 6)}`;
        try {
          return await insertProject(input.name, slug);
        } catch (error) {
          if (!(error instanceof SwitchboardError && error.code === 'CONFLICT')) throw error;
        }
      }
      throw new SwitchboardError('CONFLICT', 'Could not derive a free slug from this name; pass "slug" explicitly.');
    },

    async update(principal: Principal, id: string, input: { name: string }): Promise<ProjectView> {
      requireScope(principal, 'manage');
      await find(principal, id);
      const [row] = await db.update(projects).set({ name: input.name, updatedAt: sql`now()` }).where(eq(projects.id, id)).returning();
      if (!row) throw notFound(id);
      return presentProject(row);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      requireScope(principal, 'admin');
      await find(principal, id);
      if (id === principal.projectId) {
        throw new SwitchboardError('CONFLICT', 'You cannot delete the project your own API key belongs to; use an admin key of another project.', {
          project_id: id,
        });
      }
      await db.delete(projects).where(eq(projects.id, id));
      await hooks.onDeleted?.();
    },

    /** The project local operator commands act in: `default`, else the oldest one. */
    async operatorProjectId(): Promise<string | undefined> {
      const [row] = await db.select({ id: projects.id }).from(projects).orderBy(sql`${projects.slug} = 'default' desc`, asc(projects.createdAt)).limit(1);
      return row?.id;
    },

    async count(): Promise<number> {
      const [row] = await db.select({ value: count() }).from(projects);
      return row?.value ?? 0;
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
export { isUniqueViolation };
