/**
 * A stateful, in-memory emulator of the Backendless REST API (docs/reference PART A2) for tests.
 *
 * App API: `${url}/${appId}/${restApiKey}/…` (= `baseUrl`), the documented `https://api.backendless.com/{APP_ID}/
 * {REST_API_KEY}/…` form. Optional `user-token` header = a session from `POST /users/login`. Console API (timers):
 * `${url}/${appId}/console/…` with header `auth-key` (see routes/timers.ts for the contract). Error bodies are
 * `{code, message}`; the status/code table is in errors.ts. Every request is recorded in `requests`; `failNext`
 * scripts faults (faults.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDispatcher, type RecordedRequest } from './dispatch.js';
import { FaultQueue, type FaultSpec } from './faults.js';
import type { EmulatorEnv } from './router.js';
import { BackendlessState } from './state.js';

export { BackendlessError } from './errors.js';
export type { FileEntry } from './file-store.js';
export type { Frequency, Schedule } from './schedule.js';
export type {
  DataObject,
  FilePermissionRecord,
  HiveStore,
  PermissionRecord,
  PublishedMessage,
  SentEmail,
  StateOptions,
  UserSession,
} from './state.js';
export type { TimerMode, TimerRecord, TimerView } from './timer-model.js';
export { BackendlessState, type FaultSpec, type RecordedRequest };

export const DEFAULT_APP_ID = 'A1B2C3D4-0000-4000-8000-000000000001';
export const DEFAULT_REST_API_KEY = 'B2C3D4E5-1111-4111-9111-000000000002';
export const DEFAULT_CONSOLE_AUTH_KEY = 'C3D4E5F6-2222-4222-A222-000000000003';
export const DEFAULT_CONSOLE_LOGIN = 'developer@example.com';
export const DEFAULT_CONSOLE_PASSWORD = 'developer-password';

export interface BackendlessEmulatorOptions {
  appId?: string;
  restApiKey?: string;
  /** The console `auth-key` that timer calls must send. */
  consoleAuthKey?: string;
  /** Credentials accepted by `POST /console/home/login`. */
  consoleLogin?: string;
  consolePassword?: string;
  /** Clock for timestamps, session expiry, scheduling and nextRun (default Date.now). */
  now?: () => number;
  /** Session lifetime in ms; default null (sessions last until logout or `state.expireUserToken`). */
  userTokenTtlMs?: number | null;
  /** Smallest `custom` timer interval (Backendless Free plan: 60 s). Default 60. */
  minCustomTimerIntervalSeconds?: number;
}

export interface BackendlessEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  appId: string;
  restApiKey: string;
  consoleAuthKey: string;
  /** `${url}/${appId}/${restApiKey}`: append `/files/…`, `/data/…`, `/users/…`, … */
  baseUrl: string;
  /** `${url}/${appId}/console`: append `/servercode/{mode}/timers…` */
  consoleUrl: string;
  state: BackendlessState;
  requests: RecordedRequest[];
  failNext(fault: FaultSpec): void;
  close(): Promise<void>;
}

export async function startBackendlessEmulator(options: BackendlessEmulatorOptions = {}): Promise<BackendlessEmulator> {
  const state = new BackendlessState({
    now: options.now ?? Date.now,
    userTokenTtlMs: options.userTokenTtlMs ?? null,
    minCustomTimerIntervalSeconds: options.minCustomTimerIntervalSeconds ?? 60,
  });
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  const env: EmulatorEnv = {
    url: '',
    appId: options.appId ?? DEFAULT_APP_ID,
    restApiKey: options.restApiKey ?? DEFAULT_REST_API_KEY,
    baseUrl: '',
    consoleAuthKey: options.consoleAuthKey ?? DEFAULT_CONSOLE_AUTH_KEY,
    consoleLogin: options.consoleLogin ?? DEFAULT_CONSOLE_LOGIN,
    consolePassword: options.consolePassword ?? DEFAULT_CONSOLE_PASSWORD,
  };
  const server = createServer(createDispatcher({ env, state, faults, requests, sleep }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  env.url = `http://127.0.0.1:${port}`;
  env.baseUrl = `${env.url}/${env.appId}/${env.restApiKey}`;
  return {
    url: env.url,
    appId: env.appId,
    restApiKey: env.restApiKey,
    consoleAuthKey: env.consoleAuthKey,
    baseUrl: env.baseUrl,
    consoleUrl: `${env.url}/${env.appId}/console`,
    state,
    requests,
    failNext: (fault) => faults.add(fault),
    close: async () => {
      faults.clear();
      for (const wake of [...sleepers]) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
