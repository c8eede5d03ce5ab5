import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { StartupError } from '../../src/errors.js';

describe('configuration', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('has the documented defaults', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: join(cwd, 'data'),
      publicUrl: 'http://127.0.0.1:8080',
      logLevel: 'info',
      bodyLimit: 1048576,
      rateLimit: { max: 600, windowSeconds: 60 },
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads a YAML file, lets the environment override it, and flags override both', () => {
    writeFileSync(join(cwd, 'switchboard.config.yaml'), 'port: 9000\nhost: 0.0.0.0\nlogLevel: debug\nrateLimit:\n  max: 10\n  windowSeconds: 5\n');
    const fromFile = loadConfig({ env: {}, cwd });
    expect(fromFile).toMatchObject({ port: 9000, host: '0.0.0.0', logLevel: 'debug', rateLimit: { max: 10, windowSeconds: 5 } });
    expect(fromFile.publicUrl).toBe('http://127.0.0.1:9000');
    expect(loadConfig({ env: { SWITCHBOARD_PORT: '9100', PORT: '1' }, cwd }).port).toBe(9100);
    expect(loadConfig({ env: { PORT: '9200' }, cwd }).port).toBe(9200);
    expect(loadConfig({ env: { SWITCHBOARD_PORT: '9100' }, cwd, overrides: { port: 9300 } }).port).toBe(9300);
  });

  it('reads a JSON file named by SWITCHBOARD_CONFIG', () => {
    writeFileSync(join(cwd, 'custom.json'), JSON.stringify({ publicUrl: 'https://switchboard.example.com/' }));
    expect(loadConfig({ env: { SWITCHBOARD_CONFIG: 'custom.json' }, cwd }).publicUrl).toBe('https://switchboard.example.com');
  });

  it('reads SWITCHBOARD_PREVIOUS_MASTER_KEYS from the environment only, as a comma list', () => {
    expect(loadConfig({ env: {}, cwd }).previousMasterKeys).toEqual([]);
    expect(loadConfig({ env: { SWITCHBOARD_PREVIOUS_MASTER_KEYS: ' a= , b=,,' }, cwd }).previousMasterKeys).toEqual(['a=', 'b=']);
    writeFileSync(join(cwd, 'switchboard.config.json'), '{"previousMasterKeys": ["a="]}');
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/previousMasterKeys/);
  });

  it('names every bad setting', () => {
    expect(() => loadConfig({ env: { SWITCHBOARD_PORT: 'eighty' }, cwd })).toThrow(/SWITCHBOARD_PORT must be an integer/);
    expect(() => loadConfig({ env: { SWITCHBOARD_PORT: '70000' }, cwd })).toThrow(StartupError);
    expect(() => loadConfig({ env: { SWITCHBOARD_LOG_LEVEL: 'loud' }, cwd })).toThrow(/logLevel/);
    expect(() => loadConfig({ env: { SWITCHBOARD_CONFIG: 'missing.yaml' }, cwd })).toThrow(/does not exist/);
    writeFileSync(join(cwd, 'switchboard.config.json'), '{"prot": 1}');
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/prot/);
    writeFileSync(join(cwd, 'switchboard.config.json'), '{not json');
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/Cannot read config file/);
  });
});
