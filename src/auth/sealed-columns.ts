import { getTableName } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { tables } from '../db/index.js';

/** A nullable text column holding `vault.seal(…)` output, in a table keyed by a text id. */
export interface SealedColumn {
  readonly table: PgTable;
  readonly idColumn: PgColumn;
  readonly sealedColumn: PgColumn;
}

/**
 * Every column that holds sealed secrets. A master-key rotation re-wraps exactly these: a new
 * sealed column must be added here (one line), or a rotation would retire the key it needs.
 */
export const sealedColumns: readonly SealedColumn[] = [
  { table: tables.authConfigs, idColumn: tables.authConfigs.id, sealedColumn: tables.authConfigs.clientSecret },
  { table: tables.connectedAccounts, idColumn: tables.connectedAccounts.id, sealedColumn: tables.connectedAccounts.credentials },
  { table: tables.connectLinks, idColumn: tables.connectLinks.tokenHash, sealedColumn: tables.connectLinks.codeVerifier },
];

/** `table.column`, as summaries and progress reports name it. */
export function sealedColumnName(column: SealedColumn): string {
  return `${getTableName(column.table)}.${column.sealedColumn.name}`;
}
