export { type ChangeCache, type ChangeCacheOptions, type ChangeFeed, createChangeFeed } from './change-feed.js';
export {
  type Database,
  type DatabaseHandle,
  type DatabaseKind,
  describePostgresUrl,
  type OpenDatabaseOptions,
  openDatabase,
  type Schema,
} from './connect.js';
export { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
export { createLocalNotifications, type NotificationChannel, type NotificationHandler } from './notifications.js';
export { buildPgliteTemplate, pgliteTemplatePath, readPgliteTemplate } from './pglite-template.js';
export * as tables from './schema.js';
