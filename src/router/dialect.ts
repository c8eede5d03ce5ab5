import type { MetaToolNaming } from './config.js';
import type { MetaToolDescriptor, MetaToolName } from './meta-tools.js';
import type { ListedTool, SessionContext } from './sessions.js';

/**
 * How a session's meta-tools look under a naming other than Switchboard's own: their names, input
 * schemas (what agents of that naming send) and result shapes. The work behind them is always the
 * router's; a dialect only translates at the edge.
 */
export interface MetaToolDialect {
  /** The tool as `tools/list` shows it. */
  present(descriptor: MetaToolDescriptor): ListedTool;
  /** The meta-tool a listed name stands for. */
  resolve(name: string): MetaToolName | undefined;
  /** Arguments in the dialect's shape, as Switchboard's meta-tool takes them. */
  input(name: MetaToolName, args: unknown): unknown;
  /** A meta-tool's result (or its correctable error, `isError`) in the dialect's shape. */
  output(name: MetaToolName, outcome: { data: unknown; isError: boolean }, context: SessionContext, args: unknown): unknown;
}

export type MetaToolDialects = Partial<Record<Exclude<MetaToolNaming, 'switchboard'>, MetaToolDialect>>;
