import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The secret that signs e-mail action links. Production must set
 * SESSION_SECRET (the config schemas refuse to start without it); dev mode
 * makes one once and keeps it in DATA_DIR so links survive a restart.
 */
export function resolveSessionSecret(config: { SESSION_SECRET?: string | undefined; DATA_DIR: string; devMode: boolean }): string {
  if (config.SESSION_SECRET) return config.SESSION_SECRET;
  if (!config.devMode) throw new Error('SESSION_SECRET is required in production');
  const dir = resolve(config.DATA_DIR);
  const file = join(dir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
