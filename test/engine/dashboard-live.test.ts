import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { reportSummaryRefreshes } from '../../db/schema/index.ts';
import { ensureReportSummariesSchedule, REPORT_SUMMARIES_WORKFLOW_TYPE } from '../../worker/schedules.ts';
import { orderFixtures } from '../support/orders.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

interface StreamEvent {
  event: string;
  data: unknown;
}

interface DashboardBody {
  sections: { role: string; asOf: string | null; tiles: { key: string; value: unknown }[] }[];
}

/**
 * Live dashboards (issue #16) on the real dev server and database: the
 * spend summary refreshed by its workflow (as the `report-summaries`
 * Schedule starts it) and read by the finance dashboard; record changes
 * told over the event stream to the people whose sections they move, and
 * to no one else.
 */
describe('live dashboards and the spend summary', () => {
  const fx = useProcessFixture(['requester', 'engineer', 'manager', 'buyer', 'warehouse', 'finance_director']);
  const { token } = fx;

  /** The caller's event stream, read in the background; `close` ends it. */
  async function stream(who: string) {
    const response = await fx.api.app.request('/api/v1/tasks/events', { headers: { authorization: `Bearer ${token[who]}` } });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const events: StreamEvent[] = [];
    let buffer = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: data ? JSON.parse(data) : null });
        }
      }
    })();
    await fx.h.eventually(() => Promise.resolve(events), (list) => list.some((e) => e.event === 'ready'), `${who}'s stream ready`);
    const dashboard = () => events.filter((e) => e.event === 'dashboard').map((e) => (e.data as { sections: string[] }).sections);
    return {
      dashboard,
      /** Waits until a `dashboard` event names the section. */
      until: (section: string) => fx.h.eventually(() => Promise.resolve(dashboard()), (list) => list.some((sections) => sections.includes(section)), `a dashboard event for ${who}'s ${section} section`, 15_000),
      clear: () => events.splice(0),
      close: async () => {
        await reader.cancel();
        await reading;
      },
    };
  }

  const refresh = () => fx.engine.client.workflow.execute(REPORT_SUMMARIES_WORKFLOW_TYPE, { taskQueue: fx.engine.taskQueue, workflowId: `report-summaries-test-${randomUUID()}`, args: [] }) as Promise<{ refreshedAt: string; tookMs: number; skipped: boolean; changed: boolean }>;
  const finance = async () => {
    const response = await fx.api.request('GET', '/dashboard', { token: token.finance_director });
    expect(response.status).toBe(200);
    const section = (response.body as DashboardBody).sections.find((s) => s.role === 'finance_director')!;
    return { asOf: section.asOf, tiles: Object.fromEntries(section.tiles.map((t) => [t.key, t.value])) };
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('records changes reach the sections they move, and only those', async () => {
    const requester = await stream('requester');
    const engineer = await stream('engineer');
    const buyer = await stream('buyer');
    const director = await stream('finance_director');
    try {
      // A requester's request moves their "my requests" and the buyers' purchasing; not another requester's view.
      const requisition = await fx.h.createRequisition(token.requester!, '120.00');
      await requester.until('requester');
      await fx.h.submit(token.requester!, requisition.id);
      await buyer.until('buyer');
      await sleep(1_500);
      expect(engineer.dashboard().flat()).not.toContain('requester');
      expect(requester.dashboard().flat()).not.toContain('finance_director');
      expect(director.dashboard().flat()).not.toContain('finance_director');
      // Bursts are folded: a second's changes are one event.
      expect(requester.dashboard().length).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all([requester.close(), engineer.close(), buyer.close(), director.close()]);
    }
  });

  it('the finance dashboard reads the summary: an order counts once it is refreshed, and the refresh tells the finance director', async () => {
    const orders = orderFixtures(fx.api, fx.h, { requester: token.requester!, manager: token.manager!, buyer: token.buyer!, warehouse: token.warehouse! });
    const supplier = await fx.api.request('POST', '/suppliers', { token: token.buyer, body: { name: 'Gamma Gears', email: 'ar@gamma.example', paymentTermsDays: 30 } });
    expect(supplier.status).toBe(201);
    const first = await refresh();
    const before = await finance();
    expect(before.asOf).toBe(first.refreshedAt);

    const director = await stream('finance_director');
    try {
      await orders.issuedOrder({ supplierId: (supplier.body as { id: string }).id, lines: [{ description: 'Gear', quantity: '3', unitPrice: '41.50', glCode: '6100' }] });
      // Until the summary is refreshed the figures stay as they were, and say as of when.
      expect((await finance()).tiles.committed).toBe(before.tiles.committed);
      director.clear();
      const refreshed = await refresh();
      expect(refreshed).toMatchObject({ skipped: false, changed: true });
      await director.until('finance_director');
      const after = await finance();
      expect(after.asOf).toBe(refreshed.refreshedAt);
      expect(Number(after.tiles.committed) - Number(before.tiles.committed)).toBeCloseTo(124.5, 2);
      expect(after.tiles.committed).toMatch(/^\d+\.\d{2}$/);

      // With nothing written since, a round does not recompute (once no writer was at work when the last one read the
      // change counter), and tells no one.
      director.clear();
      const idle = await fx.h.eventually(refresh, (result) => result.skipped, 'a round with nothing to recompute');
      expect(idle).toMatchObject({ skipped: true, changed: false, tookMs: 0 });
      await sleep(1_500);
      expect(director.dashboard()).toEqual([]);
      expect((await finance()).asOf).toBe(idle.refreshedAt);
    } finally {
      await director.close();
    }
  });

  it('the Schedule: created at the first start, updated at the next, and its run refreshes the summary', async () => {
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    // Its own id: worker processes of other test files on this server keep the default one for their queues.
    const scheduleId = `report-summaries-${randomUUID()}`;
    const start = async (everySeconds: number) => {
      const connection = await Connection.connect({ address });
      try {
        return await ensureReportSummariesSchedule(connection, namespace, { taskQueue: fx.engine.taskQueue, everySeconds, scheduleId });
      } finally {
        await connection.close();
      }
    };
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    const handle = client.schedule.getHandle(scheduleId);
    try {
      // An hour apart, so that only the trigger below starts a run in this test.
      expect(await start(3_600)).toBe('created');
      await handle.pause('maintenance');
      expect(await start(7_200)).toBe('updated');
      const described = await handle.describe();
      expect(described.state).toMatchObject({ paused: true, note: 'maintenance' });
      expect(described.spec.intervals?.[0]?.every).toBe(7_200_000);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: REPORT_SUMMARIES_WORKFLOW_TYPE, taskQueue: fx.engine.taskQueue, workflowExecutionTimeout: 600_000 });

      const last = async () => (await fx.database.db.select().from(reportSummaryRefreshes).where(eq(reportSummaryRefreshes.name, 'spend')))[0]!;
      const before = await last();
      await handle.unpause();
      await handle.trigger();
      const after = await fx.h.eventually(last, (row) => row.refreshedAt > before.refreshedAt, 'the scheduled refresh', 30_000);
      expect(after.checksum).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await handle.delete().catch(() => undefined);
      await connection.close();
    }
  });
});
