export { configDefaults, type LoadConfigOptions, loadConfig } from './load.js';
export { type Config, type ConfigFile, configFileSchema, configSchema } from './schema.js';
