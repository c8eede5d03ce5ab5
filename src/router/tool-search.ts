import type { ToolkitDefinition } from '../catalog/index.js';
import { type Match, type Reranker, type SearchHit, ToolIndex } from '../search/index.js';
import { toolkitDocuments } from './tool-documents.js';

interface ProjectIndex {
  index: ToolIndex;
  /** Toolkit slug → what was indexed of it (version and tool count). */
  versions: Map<string, string>;
}

const maxProjects = 200;
/** Lexical hits handed to the dense re-ranker. */
const rerankDepth = 30;

const versionOf = (toolkit: ToolkitDefinition) => `${toolkit.version}:${toolkit.tools.length}`;

/** "find the issue, then close it" → ["find the issue", "close it"]. */
export function steps(useCase: string): string[] {
  return useCase
    .split(
      /\s*(?:,?\s*\b(?:and\s+)?then\b|;|\bafter\s+that\b|\bafterwards\b|\band\s+(?:also\s+)?(?=(?:update|delete|remove|close|merge|send|create|add|edit|approve|comment|post)\b))\s*/i,
    )
    .map((part) => part.trim())
    .filter((part) => part.length > 2);
}

/**
 * Search text of each step: a step that refers back ("update its title") also carries what the step
 * before it was about, without that step's leading verb ("the open issue"), so its own action leads.
 */
export function stepQueries(parts: readonly string[]): string[] {
  return parts.map((part, i) =>
    i > 0 && /\b(?:it|its|them|their|this|that|these|those|one)\b/i.test(part) ? `${part} ${parts[i - 1]!.replace(/^\s*\S+\s*/, '')}` : part,
  );
}

/** "name: create (make), branch" — which query words matched each field, and through what. */
export function why(matches: readonly Match[]): string[] {
  const byField = new Map<string, string[]>();
  for (const match of matches) {
    const shown = match.via === 'exact' ? match.word : `${match.word} (${match.via === 'related' ? 'related: ' : 'part of '}${match.term})`;
    for (const field of match.fields) byField.set(field, [...(byField.get(field) ?? []), shown]);
  }
  return [...byField].map(([field, shown]) => `${field}: ${shown.join(', ')}`);
}

/**
 * One search index per project over the toolkits it can see, brought up to date before each search
 * by comparing toolkit versions (a changed definition needs a new version): only changed toolkits
 * are re-indexed.
 */
export function createProjectSearch(reranker?: Reranker) {
  const projects = new Map<string, ProjectIndex>();

  function sync(projectId: string, toolkits: readonly ToolkitDefinition[]): ToolIndex {
    let project = projects.get(projectId);
    if (!project) {
      if (projects.size >= maxProjects) projects.delete(projects.keys().next().value!);
      project = { index: new ToolIndex(), versions: new Map() };
      projects.set(projectId, project);
    }
    const seen = new Set<string>();
    for (const toolkit of toolkits) {
      seen.add(toolkit.slug);
      const version = versionOf(toolkit);
      if (project.versions.get(toolkit.slug) === version) continue;
      project.index.replaceToolkit(toolkit.slug, toolkitDocuments(toolkit));
      project.versions.set(toolkit.slug, version);
    }
    for (const slug of [...project.versions.keys()]) {
      if (seen.has(slug)) continue;
      project.index.removeToolkit(slug);
      project.versions.delete(slug);
    }
    return project.index;
  }

  return {
    async search(
      projectId: string,
      toolkits: readonly ToolkitDefinition[],
      query: string,
      options: { allowed: ReadonlySet<string>; toolkits?: readonly string[] | undefined; limit: number },
    ): Promise<SearchHit[]> {
      const index = sync(projectId, toolkits);
      const lexical = index.search(query, {
        allowed: options.allowed,
        toolkits: options.toolkits,
        limit: reranker ? Math.max(rerankDepth, options.limit) : options.limit,
      });
      if (!reranker) return lexical;
      return (await reranker.rerank(query, lexical, (id) => index.document(id))).slice(0, options.limit);
    },
  };
}
