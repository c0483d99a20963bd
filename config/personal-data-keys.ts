import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The keys that seal personal data at rest (db/encryption.ts), from
 * PERSONAL_DATA_KEYS: never from the database, so a copy of the database
 * alone reads no phone number or address.
 */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;

export interface Keyring {
  /** Seals new values: the first key of PERSONAL_DATA_KEYS. */
  activeId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** `kid:base64key[,kid:base64key...]`; the first is the active one. Throws naming what is wrong (never the key). */
export function parseKeyring(value: string): Keyring {
  const keys = new Map<string, Buffer>();
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one key as kid:base64key');
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID_PATTERN.test(id)) throw new Error('each key must be kid:base64key, the kid 1 to 32 letters, digits, _ or -');
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`key ${id} must be 32 bytes in base64 (openssl rand -base64 32)`);
    if (keys.has(id)) throw new Error(`key id ${id} is listed twice`);
    keys.set(id, key);
  }
  return { activeId: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/** A new ring entry, for the dev default and the README's rotation steps. */
export function newKeyEntry(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * The keyring in force. Production must set PERSONAL_DATA_KEYS (the config
 * schemas refuse to start without it); dev mode makes one key once and keeps
 * it in DATA_DIR beside the embedded database, outside it, and says so.
 */
export function resolvePersonalDataKeys(config: { PERSONAL_DATA_KEYS?: string | undefined; DATA_DIR: string; devMode: boolean }): { keyring: Keyring; generatedIn: string | null } {
  if (config.PERSONAL_DATA_KEYS) return { keyring: parseKeyring(config.PERSONAL_DATA_KEYS), generatedIn: null };
  if (!config.devMode) throw new Error('PERSONAL_DATA_KEYS is required in production');
  const dir = resolve(config.DATA_DIR);
  const file = join(dir, 'personal-data-keys');
  if (existsSync(file)) return { keyring: parseKeyring(readFileSync(file, 'utf8').trim()), generatedIn: null };
  mkdirSync(dir, { recursive: true });
  try {
    // 'wx': an API and a worker starting together make one key, not two; the slower reads the faster's.
    writeFileSync(file, `${newKeyEntry(`dev-${randomBytes(3).toString('hex')}`)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { keyring: parseKeyring(readFileSync(file, 'utf8').trim()), generatedIn: null };
  }
  return { keyring: parseKeyring(readFileSync(file, 'utf8').trim()), generatedIn: file };
}
