import { inject, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { createTemporalGateway } from '../../api/temporal.ts';
import { createTestApi } from '../support/api.ts';
import { createTestDatabase, usingPostgres } from '../support/db.ts';
import { startProxy } from '../support/proxy.ts';

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** While a dependency is unreachable the API answers 503 problem+json, promptly, and recovers when it returns. */
describe('dependencies down', () => {
  it('Temporal unreachable: readiness is 503 naming Temporal, then ready again when it returns', async () => {
    const [host, port] = inject('temporalAddress').split(':') as [string, string];
    const proxy = await startProxy(host, Number(port));
    const temporal = createTemporalGateway({ address: `127.0.0.1:${proxy.port}`, namespace: inject('temporalNamespace') });
    const api = await createTestApi({}, { temporal });
    try {
      expect((await api.request('GET', '/health/ready')).status).toBe(200);
      await proxy.cut();
      const started = Date.now();
      const down = await api.request('GET', '/health/ready');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(down.status).toBe(503);
      expect(down.body.checks.temporal.status).toBe('down');
      expect(down.body.checks.database.status).toBe('ok');
      expect((await api.request('GET', '/health')).status).toBe(200);
      await proxy.restore();
      const back = await eventually(() => api.request('GET', '/health/ready'), (r) => r.status === 200);
      expect(back.status).toBe(200);
    } finally {
      await api.close();
      await temporal.close();
      await proxy.close();
    }
  });

  it.skipIf(!usingPostgres())('PostgreSQL unreachable: 503 problem+json (not a hang, not a 500), nothing half-written, then recovery', async () => {
    const database = await createTestDatabase();
    const target = new URL(database.url!);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const handle = await openDatabase({ kind: 'postgres', url: viaProxy.toString(), maxConnections: 3 });
    const api = await createTestApi({}, { database: { ...handle, url: viaProxy.toString(), drop: () => handle.close() } });
    try {
      const token = await api.login('buyer');
      expect((await api.request('GET', '/suppliers', { token })).status).toBe(200);
      await proxy.cut();
      const started = Date.now();
      const write = await api.request('POST', '/suppliers', { token, body: { name: 'During Outage Ltd', email: 'o@example.com', paymentTermsDays: 30 } });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(write.status).toBe(503);
      expect(write.headers.get('content-type')).toMatch(/problem\+json/);
      expect(write.headers.get('retry-after')).toBe('5');
      const ready = await api.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database.status).toBe('down');
      await proxy.restore();
      const back = await eventually(() => api.request('GET', '/suppliers?limit=200', { token }), (r) => r.status === 200);
      expect(back.status).toBe(200);
      expect((back.body.items as { name: string }[]).map((s) => s.name)).not.toContain('During Outage Ltd');
    } finally {
      await api.close();
      await handle.close().catch(() => {});
      await proxy.close();
      await database.drop();
    }
  });
});
