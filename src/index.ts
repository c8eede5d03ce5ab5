// Public API of the `switchboard` package: embed a server, load its configuration, or call a
// running server with the TypeScript client (also importable alone, without the server: `switchboard/client`).
export * from './client/index.js';
export { type Config, loadConfig } from './config/index.js';
export { type ErrorCode, errorCatalogue, SwitchboardError } from './errors.js';
export { type CreateServerOptions, createSwitchboardServer, openCore, type SwitchboardCore, type SwitchboardServer } from './server.js';
export { version } from './version.js';
