// Public API of the `switchboard` package: embed a server, or load its configuration.
export { type Config, loadConfig } from './config/index.js';
export { type ErrorCode, errorCatalogue, SwitchboardError } from './errors.js';
export { type CreateServerOptions, createSwitchboardServer, openCore, type SwitchboardCore, type SwitchboardServer } from './server.js';
export { version } from './version.js';
