import type { Connection } from '@temporalio/client';
import { searchAttributeNames } from '@p2p/domain';

/**
 * Registers the project's search attributes on a namespace (Keyword each).
 * Idempotent: attributes already there are left alone. Used when Temporal is
 * an existing cluster (TEMPORAL_ADDRESS); the dev server gets them as flags.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = searchAttributeNames.filter((name) => !known.has(name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    // 2 = INDEXED_VALUE_TYPE_KEYWORD
    searchAttributes: Object.fromEntries(missing.map((name) => [name, 2])),
  });
}

/** The flags that give a dev server the same attributes at start. */
export const devServerSearchAttributeArgs = searchAttributeNames.flatMap((name) => ['--search-attribute', `${name}=Keyword`]);
