import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StartupError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { type ToolkitDefinition, toolkitDefinitionSchema } from './definition.js';

export const builtinToolkitsDir = join(packageRoot, 'src', 'toolkits');

/** Parses and validates one toolkit file; the error names the file and every bad field. */
export function parseToolkitFile(path: string): ToolkitDefinition {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new StartupError(`Cannot read toolkit ${path}: ${(error as Error).message}`);
  }
  const parsed = toolkitDefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new StartupError(`Invalid toolkit ${path}:\n${issues}`);
  }
  return parsed.data;
}

/** Loads every `<dir>/<slug>/toolkit.{yaml,json}`; the folder name must be the toolkit slug. */
export function loadToolkitsFrom(dir: string): ToolkitDefinition[] {
  if (!existsSync(dir)) return [];
  const toolkits: ToolkitDefinition[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = ['toolkit.yaml', 'toolkit.yml', 'toolkit.json'].map((name) => join(dir, entry.name, name)).find(existsSync);
    if (!file) continue;
    const toolkit = parseToolkitFile(file);
    if (toolkit.slug !== entry.name) throw new StartupError(`Toolkit ${file} has slug "${toolkit.slug}" but lives in folder "${entry.name}".`);
    toolkits.push(toolkit);
  }
  return toolkits.sort((a, b) => a.slug.localeCompare(b.slug));
}
