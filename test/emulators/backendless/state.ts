import { randomUUID } from 'node:crypto';
import { targetExists, userExists, wrongEmailFormat } from './errors.js';
import { type FileEntry, FileStore } from './file-store.js';
import type { JsonObject } from './http.js';
import { buildTimer, type TimerMode, type TimerRecord } from './timer-model.js';

/** Backendless ids are upper-case UUIDs. */
export const newId = (): string => randomUUID().toUpperCase();

export const USERS_TABLE = 'Users';
export const DEFAULT_ROLES = ['AuthenticatedUser', 'NotAuthenticatedUser', 'RestUser', 'ServerCodeUser', 'SocialUser'];

export interface DataObject {
  objectId: string;
  ___class: string;
  created: number;
  updated: number | null;
  ownerId: string | null;
  [column: string]: unknown;
}

export interface UserSession {
  token: string;
  userId: string;
  createdAt: number;
  expiresAt: number | null;
}

export type GrantType = 'GRANT' | 'DENY';

/** Current ACL entries; a later GRANT/DENY for the same target, principal and permission replaces the earlier one. */
export interface PermissionRecord {
  table: string;
  /** null for table-level permissions. */
  objectId: string | null;
  type: GrantType;
  permission: string;
  user?: string;
  role?: string;
  at: number;
}

export interface FilePermissionRecord {
  path: string;
  type: GrantType;
  permission: string;
  user?: string;
  role?: string;
  at: number;
}

export interface SentEmail {
  kind: 'restorepassword';
  to: string;
  userId: string;
  at: number;
}

export interface HiveStore {
  name: string;
  maps: Map<string, Map<string, unknown>>;
  lists: Map<string, unknown[]>;
  keyValues: Map<string, unknown>;
}

export interface PublishedMessage {
  messageId: string;
  channel: string;
  message: unknown;
  headers: Record<string, unknown> | null;
  publisherId: string | null;
  publishAt: number | null;
  repeatEvery: number | null;
  repeatExpiresAt: number | null;
  status: 'published' | 'scheduled' | 'cancelled';
  /** The user of the `user-token`, if any. */
  userId: string | null;
  at: number;
}

export interface StateOptions {
  now: () => number;
  /** Session lifetime; null = sessions never expire (use `expireUserToken`). */
  userTokenTtlMs: number | null;
  minCustomTimerIntervalSeconds: number;
}

/** Everything the emulator stores, exposed to tests for seeding and assertions. */
export class BackendlessState {
  readonly files: FileStore;
  readonly tables = new Map<string, DataObject[]>([[USERS_TABLE, []]]);
  /** objectId → password (passwords never live on the user objects). */
  readonly passwords = new Map<string, string>();
  readonly sessions = new Map<string, UserSession>();
  readonly roles = new Set(DEFAULT_ROLES);
  readonly permissions: PermissionRecord[] = [];
  readonly filePermissions: FilePermissionRecord[] = [];
  readonly sentEmails: SentEmail[] = [];
  readonly hives = new Map<string, HiveStore>();
  readonly counters = new Map<string, number>();
  readonly messages: PublishedMessage[] = [];
  readonly timers = new Map<TimerMode, Map<string, TimerRecord>>();

  constructor(readonly options: StateOptions) {
    this.files = new FileStore(options.now);
  }

  now(): number {
    return this.options.now();
  }

  // ---- files

  putFile(path: string, content: string | Buffer): FileEntry {
    return this.files.putFile(path, content);
  }

  readFile(path: string): string | undefined {
    return this.files.readFile(path);
  }

  // ---- data

  createTable(table: string): DataObject[] {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = [];
      this.tables.set(table, rows);
    }
    return rows;
  }

  /** Stores an object (creating the table); system columns are filled in. A `password` on a Users row is kept aside. */
  insert(table: string, props: JsonObject): DataObject {
    const { password, ...rest } = props;
    const object: DataObject = {
      ...rest,
      objectId: typeof rest.objectId === 'string' ? rest.objectId : newId(),
      ___class: table,
      created: typeof rest.created === 'number' ? rest.created : this.now(),
      updated: typeof rest.updated === 'number' ? rest.updated : null,
      ownerId: typeof rest.ownerId === 'string' ? rest.ownerId : null,
    };
    if (table === USERS_TABLE && typeof password === 'string') this.passwords.set(object.objectId, password);
    else if (password !== undefined) object.password = password;
    this.createTable(table).push(object);
    return object;
  }

  findObject(table: string, objectId: string): DataObject | undefined {
    return this.tables.get(table)?.find((object) => object.objectId === objectId);
  }

  removeObject(table: string, objectId: string): boolean {
    const rows = this.tables.get(table);
    const index = rows?.findIndex((object) => object.objectId === objectId) ?? -1;
    if (!rows || index < 0) return false;
    rows.splice(index, 1);
    if (table === USERS_TABLE) {
      this.passwords.delete(objectId);
      for (const session of [...this.sessions.values()]) if (session.userId === objectId) this.sessions.delete(session.token);
    }
    return true;
  }

  // ---- users

  /** Registers a user (email format 3040, duplicate 3033) with Backendless' default user columns. */
  addUser(props: JsonObject & { email: string; password: string }): DataObject {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) throw wrongEmailFormat(props.email);
    if (this.findUserByIdentity(props.email)) throw userExists(props.email);
    const user = this.insert(USERS_TABLE, { userStatus: 'ENABLED', lastLogin: null, blUserLocale: 'en', socialAccount: 'BACKENDLESS', ...props });
    if (user.ownerId === null) user.ownerId = user.objectId;
    return user;
  }

  findUser(objectId: string): DataObject | undefined {
    return this.findObject(USERS_TABLE, objectId);
  }

  /** The identity property is `email` (Backendless' default), compared case-insensitively. */
  findUserByIdentity(identity: string): DataObject | undefined {
    const wanted = identity.trim().toLowerCase();
    return this.tables.get(USERS_TABLE)?.find((user) => typeof user.email === 'string' && user.email.toLowerCase() === wanted);
  }

  createSession(userId: string): string {
    const token = newId();
    const createdAt = this.now();
    const ttl = this.options.userTokenTtlMs;
    this.sessions.set(token, { token, userId, createdAt, expiresAt: ttl === null ? null : createdAt + ttl });
    return token;
  }

  /** The live session of a token (expired sessions are dropped). */
  sessionFor(token: string): UserSession | undefined {
    const session = this.sessions.get(token);
    if (session?.expiresAt != null && session.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return session && this.findUser(session.userId) ? session : undefined;
  }

  expireUserToken(token: string): void {
    this.sessions.delete(token);
  }

  // ---- permissions

  setPermission(record: Omit<PermissionRecord, 'at'>): PermissionRecord {
    const entry = { ...record, at: this.now() };
    const same = (other: PermissionRecord) =>
      other.table === entry.table &&
      other.objectId === entry.objectId &&
      other.permission === entry.permission &&
      other.user === entry.user &&
      other.role === entry.role;
    const index = this.permissions.findIndex(same);
    if (index >= 0) this.permissions.splice(index, 1, entry);
    else this.permissions.push(entry);
    return entry;
  }

  // ---- hive and counters

  createHive(name: string): HiveStore {
    if (this.hives.has(name)) throw targetExists(`hive '${name}'`);
    const hive: HiveStore = { name, maps: new Map(), lists: new Map(), keyValues: new Map() };
    this.hives.set(name, hive);
    return hive;
  }

  /** Counters spring into existence at 0 when first read. */
  counter(name: string): number {
    if (!this.counters.has(name)) this.counters.set(name, 0);
    return this.counters.get(name)!;
  }

  setCounter(name: string, value: number): void {
    this.counters.set(name, value);
  }

  // ---- timers

  timersOf(mode: TimerMode): Map<string, TimerRecord> {
    let timers = this.timers.get(mode);
    if (!timers) {
      timers = new Map();
      this.timers.set(mode, timers);
    }
    return timers;
  }

  /** Seeds a timer exactly as the console create call would (validation included). */
  addTimer(body: JsonObject, mode: TimerMode = 'production'): TimerRecord {
    const timer = buildTimer(body, this.now(), this.options.minCustomTimerIntervalSeconds);
    const timers = this.timersOf(mode);
    if (timers.has(timer.name)) throw targetExists(`timer '${timer.name}'`);
    timers.set(timer.name, timer);
    return timer;
  }
}
