import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();

/** A tenant. Every other row belongs to exactly one project. */
export const projects = pgTable('projects', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * API keys are stored as a SHA-256 hash of the whole key plus a lookup prefix (`sk_` and the
 * first 10 characters), so a request costs one indexed read and the plaintext is never stored.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [index('api_keys_project_created_idx').on(table.projectId, table.createdAt, table.id)],
);

/** End users, identified by the caller's own `user_id` string, per project. */
export const users = pgTable(
  'users',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.projectId, table.userId] })],
);

/**
 * Fingerprints (key ids) of the master keys secrets in this database are encrypted under. Lets a
 * process refuse to start with the wrong master key instead of failing on the first decrypt.
 */
export const masterKeys = pgTable('master_keys', {
  keyId: text('key_id').primaryKey(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true, precision: 3 }),
});
