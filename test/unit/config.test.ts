import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config.ts';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/env.ts';
import { resolvePersonalDataKeys } from '../../config/personal-data-keys.ts';
import { loadWorkerConfig } from '../../worker/config.ts';

describe('configuration: one zod schema per deployable, one clear line per bad value', () => {
  it('has working embedded defaults in dev mode', () => {
    const config = loadApiConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: './.data', devMode: true, demoData: true, publicUrl: 'http://localhost:3000', TEMPORAL_NAMESPACE: 'default' });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ TEMPORAL_ADDRESS: 'no-port' }, 'TEMPORAL_ADDRESS'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ DEMO_DATA: 'yes please' }, 'DEMO_DATA'],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET'],
    [{ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }, 'PERSONAL_DATA_KEYS'],
    [{ PERSONAL_DATA_KEYS: 'k1' }, 'PERSONAL_DATA_KEYS'],
    [{ PERSONAL_DATA_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, 'PERSONAL_DATA_KEYS'],
    [{ PERSONAL_DATA_KEYS: `bad id:${Buffer.alloc(32).toString('base64')}` }, 'PERSONAL_DATA_KEYS'],
    [{ NODE_ENV: 'production', SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), PERSONAL_DATA_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`, DEMO_DATA: 'true' }, 'DEMO_DATA'],
    [{ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com' }, 'BOOTSTRAP_ADMIN_PASSWORD'],
    [{ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com', BOOTSTRAP_ADMIN_PASSWORD: 'short' }, 'BOOTSTRAP_ADMIN_PASSWORD'],
  ])('%o is refused naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadApiConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(variable);
  });

  it('production: no demo data by default, secrets required, the worker refuses a missing secret too', () => {
    const config = loadApiConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), PERSONAL_DATA_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`, PUBLIC_URL: 'https://buy.example.com/' });
    expect(config).toMatchObject({ devMode: false, demoData: false, publicUrl: 'https://buy.example.com' });
    expect(() => loadWorkerConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
    expect(() => loadWorkerConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40) })).toThrow(/PERSONAL_DATA_KEYS/);
  });

  it('treats empty variables as unset', () => {
    expect(loadApiConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('personal data keys: dev mode generates one key into DATA_DIR once (outside the database); production has no default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-keys-'));
    const first = resolvePersonalDataKeys({ DATA_DIR: dir, devMode: true });
    expect(first.generatedIn).toBe(join(dir, 'personal-data-keys'));
    expect(statSync(first.generatedIn!).mode & 0o777).toBe(0o600);
    const again = resolvePersonalDataKeys({ DATA_DIR: dir, devMode: true });
    expect(again.generatedIn).toBeNull();
    expect(again.keyring.activeId).toBe(first.keyring.activeId);
    expect(again.keyring.keys.get(again.keyring.activeId)).toEqual(first.keyring.keys.get(first.keyring.activeId));
    expect(() => resolvePersonalDataKeys({ DATA_DIR: dir, devMode: false })).toThrow(/PERSONAL_DATA_KEYS/);
    const given = resolvePersonalDataKeys({ PERSONAL_DATA_KEYS: `new:${Buffer.alloc(32, 3).toString('base64')},old:${Buffer.alloc(32, 4).toString('base64')}`, DATA_DIR: dir, devMode: false });
    expect(given.keyring.activeId).toBe('new');
    expect([...given.keyring.keys.keys()]).toEqual(['new', 'old']);
  });
});
