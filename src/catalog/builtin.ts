import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StartupError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { type ToolkitDefinition, toolkitDefinitionSchema } from './definition.js';

export const builtinToolkitsDir = join(packageRoot, 'src', 'toolkits');
const parseCacheDir = join(packageRoot, 'node_modules', '.cache', 'switchboard', 'toolkits');

/**
 * YAML parsing costs about 3 ms per KB (a quarter of a second for the built-in toolkits, on every
 * start); the parsed form is kept as JSON keyed by a hash of the text.
 */
function parseYamlCached(text: string): unknown {
  const cacheFile = join(parseCacheDir, `${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8'));
  } catch {
    // not cached yet
  }
  const parsed = parseYaml(text) as unknown;
  try {
    mkdirSync(parseCacheDir, { recursive: true });
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(parsed));
    renameSync(partial, cacheFile);
  } catch {
    // a read-only install still works, only slower
  }
  return parsed;
}

/** Parses and validates one toolkit file; the error names the file and every bad field. */
export function parseToolkitFile(path: string): ToolkitDefinition {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYamlCached(text);
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
