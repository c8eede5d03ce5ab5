import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVault, generateMasterKey, loadMasterKey, masterKeyId, parseMasterKey } from '../../src/auth/index.js';
import { StartupError, SwitchboardError } from '../../src/errors.js';

const key = () => parseMasterKey(generateMasterKey(), 'test');

describe('vault', () => {
  it('seals and opens, with a fresh data key and iv each time', () => {
    const vault = createVault(key());
    const a = vault.seal('bitbucket-token', 'connected_account:ca_1');
    const b = vault.seal('bitbucket-token', 'connected_account:ca_1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('bitbucket-token');
    expect(vault.openText(a, 'connected_account:ca_1')).toBe('bitbucket-token');
    expect(vault.keyIdOf(a)).toBe(vault.currentKeyId);
  });

  it('binds a sealed value to its record: another context does not open it', () => {
    const vault = createVault(key());
    const sealed = vault.seal('secret', 'connected_account:ca_1');
    expect(() => vault.open(sealed, 'connected_account:ca_2')).toThrow(SwitchboardError);
  });

  it('detects tampering', () => {
    const vault = createVault(key());
    const sealed = vault.seal('secret', 'x');
    const parts = sealed.split('.');
    const payload = Buffer.from(parts[3]!, 'base64url');
    payload[payload.length - 1]! ^= 1;
    parts[3] = payload.toString('base64url');
    expect(() => vault.open(parts.join('.'), 'x')).toThrow(/could not be decrypted/);
    expect(() => vault.open('not-a-sealed-value', 'x')).toThrow(SwitchboardError);
  });

  it('opens values sealed under a previous key and re-wraps them under the current one', () => {
    const oldKey = key();
    const newKey = key();
    const sealed = createVault(oldKey).seal('rotate me', 'ctx');
    expect(() => createVault(newKey).open(sealed, 'ctx')).toThrow(/not configured/);
    const rotating = createVault(newKey, [oldKey]);
    const resealed = rotating.reseal(sealed);
    expect(rotating.keyIdOf(resealed)).toBe(newKey.id);
    expect(createVault(newKey).openText(resealed, 'ctx')).toBe('rotate me');
  });

  it('rotateTo seals with the new key at once and keeps opening what the old one sealed', () => {
    const oldKey = key();
    const newKey = key();
    const vault = createVault(oldKey);
    const before = vault.seal('sealed before', 'ctx');
    vault.rotateTo(newKey);
    expect(vault.currentKeyId).toBe(newKey.id);
    expect(vault.keyIds).toEqual([newKey.id, oldKey.id]);
    const after = vault.seal('sealed after', 'ctx');
    expect(vault.keyIdOf(after)).toBe(newKey.id);
    expect(createVault(newKey).openText(after, 'ctx')).toBe('sealed after');
    expect(vault.openText(before, 'ctx')).toBe('sealed before');
    expect(vault.keyIdOf(vault.reseal(before))).toBe(newKey.id);
    expect(vault.reseal(after)).toBe(after);
  });

  it('never carries key material in its error messages', () => {
    const master = key();
    try {
      createVault(master).open('v1.mk_x.AAAA.AAAA', 'ctx');
    } catch (error) {
      expect(String(error)).not.toContain(master.key.toString('base64'));
    }
  });
});

describe('master key', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('parses 32-byte base64 keys and rejects anything else with a fix', () => {
    const encoded = generateMasterKey();
    expect(parseMasterKey(encoded, 'SWITCHBOARD_MASTER_KEY').id).toBe(masterKeyId(Buffer.from(encoded, 'base64')));
    expect(() => parseMasterKey('c2hvcnQ=', 'SWITCHBOARD_MASTER_KEY')).toThrow(StartupError);
    expect(() => parseMasterKey('c2hvcnQ=', 'SWITCHBOARD_MASTER_KEY')).toThrow(/openssl rand -base64 32/);
    expect(() => parseMasterKey('!'.repeat(44), 'SWITCHBOARD_MASTER_KEY')).toThrow(StartupError);
  });

  it('key ids are stable fingerprints that do not reveal the key', () => {
    const master = key();
    expect(master.id).toMatch(/^mk_[0-9a-f]{16}$/);
    expect(master.id).toBe(masterKeyId(master.key));
    expect(master.id).not.toContain(master.key.toString('hex').slice(0, 16));
  });

  it('generates a 0600 key file on first use and reuses it after', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-mk-'));
    const first = loadMasterKey({ dataDir: dir });
    expect(first.source).toBe('generated');
    expect(statSync(join(dir, 'master-key')).mode & 0o777).toBe(0o600);
    const second = loadMasterKey({ dataDir: dir });
    expect(second.source).toBe('data-dir');
    expect(second.masterKey.id).toBe(first.masterKey.id);
    expect(readFileSync(join(dir, 'master-key'), 'utf8').trim()).toHaveLength(44);
  });

  it('accepts previous keys for opening: SWITCHBOARD_PREVIOUS_MASTER_KEYS, and master-key.previous beside a key file', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-mk-'));
    const [fromEnv, fromFile] = [generateMasterKey(), generateMasterKey()];
    writeFileSync(join(dir, 'master-key.previous'), `${fromFile}\n\n`, { mode: 0o600 });
    const fileMode = loadMasterKey({ dataDir: dir, configuredPrevious: [fromEnv] });
    expect(fileMode.previous.map((k) => k.id)).toEqual([parseMasterKey(fromEnv, 'x').id, parseMasterKey(fromFile, 'x').id]);
    // The previous-keys file belongs to the key file; with SWITCHBOARD_MASTER_KEY only the environment counts.
    const envMode = loadMasterKey({ configured: generateMasterKey(), dataDir: dir, configuredPrevious: [fromEnv] });
    expect(envMode.previous.map((k) => k.id)).toEqual([parseMasterKey(fromEnv, 'x').id]);
    const bad = () => loadMasterKey({ configured: generateMasterKey(), dataDir: dir!, configuredPrevious: [fromEnv, 'not-a-key'] });
    expect(bad).toThrow(StartupError);
    expect(bad).toThrow(/SWITCHBOARD_PREVIOUS_MASTER_KEYS \(entry 2\) must be 32 random bytes/);
  });

  it('prefers SWITCHBOARD_MASTER_KEY and writes no file then', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-mk-'));
    const configured = generateMasterKey();
    const loaded = loadMasterKey({ configured, dataDir: dir });
    expect(loaded.source).toBe('environment');
    expect(() => statSync(join(dir!, 'master-key'))).toThrow();
  });
});
