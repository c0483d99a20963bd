/**
 * `npm run personal-data:rotate-keys`: re-seals every personal-data value
 * (supplier contacts' phone and address) under the active key, the first of
 * PERSONAL_DATA_KEYS; plaintext from before encryption is sealed too. Keep
 * the old key in the list (after the new one) until this has run: values
 * still under it must open. Batched by id; idempotent (a second run re-seals
 * nothing); safe beside a running app (a row changed meanwhile is left to
 * the app, which seals under the active key already). README: "Personal data".
 */
import { loadApiConfig } from '../api/config.ts';
import { ConfigError } from '../config/env.ts';
import { resolvePersonalDataKeys } from '../config/personal-data-keys.ts';
import { openDatabase } from '../db/client.ts';
import { createPersonalDataCipher, resealSupplierContacts } from '../db/encryption.ts';
import { databaseTarget } from '../db/target.ts';

try {
  const config = loadApiConfig();
  const { keyring } = resolvePersonalDataKeys(config);
  const database = await openDatabase(databaseTarget(config));
  await database.migrate();
  const cipher = createPersonalDataCipher(keyring);
  const started = performance.now();
  const resealed = await resealSupplierContacts(database.db, cipher, { batchSize: 500 });
  await database.close();
  process.stdout.write(`personal data: ${resealed} supplier contact(s) re-sealed under key "${cipher.activeKeyId}" in ${Math.round(performance.now() - started)} ms; every value is now under it, so older keys may be removed from PERSONAL_DATA_KEYS\n`);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
