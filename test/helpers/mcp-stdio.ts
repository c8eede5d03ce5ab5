import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { repoRoot } from './process.js';

export const cliEntry = join(repoRoot, 'bin/switchboard.js');

/** Node 22 from the `node` devDependency, for tools that need it (the MCP Inspector). */
export const node22 = join(repoRoot, 'node_modules/node/bin/node');

/** The file a package's bin entry runs, or undefined when the package is not installed. */
export function installedBin(pkg: string, bin: string): string | undefined {
  const manifestPath = join(repoRoot, 'node_modules', pkg, 'package.json');
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: string | Record<string, string> };
  const relative = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[bin];
  return relative ? join(repoRoot, 'node_modules', pkg, relative) : undefined;
}

/** A ProcessEnv as the string record the SDK's stdio transport takes. */
export function envRecord(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export interface StdioClientV1 {
  client: Client;
  transport: StdioClientTransport;
  /** What the spawned process wrote to stderr so far. */
  stderr(): string;
  /** Errors the client reported out of band (a line on stdout that is not JSON-RPC is one). */
  errors: Error[];
  close(): Promise<void>;
}

export interface StdioClientV1Options {
  /** Capabilities the client declares (sampling, elicitation, roots). */
  capabilities?: ClientCapabilities;
  /** Registers handlers before the client connects. */
  setup?: (client: Client) => void;
}

/** The SDK v1 (2025-era) client over stdio, spawning `command args` as a desktop client does. */
export async function connectStdioClientV1(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: StdioClientV1Options = {},
): Promise<StdioClientV1> {
  const transport = new StdioClientTransport({ command, args, cwd: repoRoot, env: envRecord(env), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'switchboard-stdio-test-v1', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} did not connect: ${(error as Error).message}\nstderr:\n${stderr}`);
  }
  return { client, transport, stderr: () => stderr, errors, close: () => client.close() };
}
