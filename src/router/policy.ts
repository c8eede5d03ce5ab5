import type { ToolDefinition, ToolkitDefinition } from '../catalog/index.js';
import type { SessionConfig } from './config.js';

const annotationTags = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

/** A tool's tags for session filters: its true annotation hints plus its own tags. */
function tagsOf(tool: ToolDefinition): Set<string> {
  const tags = new Set(tool.tags);
  for (const hint of annotationTags) if (tool.annotations[hint]) tags.add(hint);
  return tags;
}

function passesTags(tool: ToolDefinition, policy: { enabled: string[]; disabled: string[] }): boolean {
  const tags = tagsOf(tool);
  if (policy.enabled.length > 0 && !policy.enabled.some((tag) => tags.has(tag))) return false;
  return !policy.disabled.some((tag) => tags.has(tag));
}

/**
 * Why a session may not use a tool, or null when it may. Order: toolkit lists, then the toolkit's
 * own tool lists (which win over tags), then tags (toolkit-level over global), then read-only.
 */
export function denialReason(config: SessionConfig, toolkit: ToolkitDefinition, tool: ToolDefinition): string | null {
  const kits = config.toolkits;
  if (kits && 'enabled' in kits && !kits.enabled.includes(toolkit.slug)) return `the toolkit ${toolkit.slug} is not enabled in this session`;
  if (kits && 'disabled' in kits && kits.disabled.includes(toolkit.slug)) return `the toolkit ${toolkit.slug} is disabled in this session`;
  const own = config.tools[toolkit.slug];
  if (own && 'enabled' in own) {
    if (!own.enabled.includes(tool.slug)) return `${tool.slug} is not among the tools enabled for ${toolkit.slug} in this session`;
  } else if (own && 'disabled' in own) {
    if (own.disabled.includes(tool.slug)) return `${tool.slug} is disabled in this session`;
  } else if (own && 'tags' in own) {
    if (!passesTags(tool, own.tags)) return `${tool.slug} does not have the tags this session allows for ${toolkit.slug}`;
  } else if (!passesTags(tool, config.tags)) {
    return `${tool.slug} does not have the tags this session allows`;
  }
  if (config.read_only && !tool.annotations.readOnlyHint) return `${tool.slug} changes data, and this session is read-only`;
  return null;
}

/** Whether the session may see a toolkit at all (before looking at its tools). */
export function toolkitVisible(config: SessionConfig, toolkit: ToolkitDefinition): boolean {
  const kits = config.toolkits;
  if (kits && 'enabled' in kits) return kits.enabled.includes(toolkit.slug);
  if (kits && 'disabled' in kits) return !kits.disabled.includes(toolkit.slug);
  return true;
}
