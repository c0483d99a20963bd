import type { RequisitionBody } from '@p2p/domain';
import { findUserByEmail } from '../db/queries/users.ts';
import { demoEmail, type DemoKey } from '../db/seed.ts';
import { listTasksOfSubject } from '../db/queries/tasks.ts';
import type { RequestActor } from './context.ts';
import type { ApiDeps } from './deps.ts';
import { buildActor } from './services/actor.ts';
import { createServices } from './services/index.ts';

/**
 * A few requisitions in different states, driven through the same services a
 * person uses (so through the real workflows): a newcomer signs in to a
 * populated inbox. Runs once, right after the demo company was loaded.
 */
export async function seedDemoProcesses(deps: ApiDeps): Promise<void> {
  const services = createServices(deps);
  const audit = { actorId: null, requestId: 'demo', ip: null, userAgent: 'demo' };
  const actors = new Map<DemoKey, RequestActor>();
  const as = async (key: DemoKey) => {
    if (!actors.has(key)) {
      const user = (await findUserByEmail(deps.db, demoEmail(key)))!;
      actors.set(key, await buildActor(deps.db, { user, credentialId: 'demo', credential: 'session' }, deps.clock()));
    }
    return actors.get(key)!;
  };
  const openTask = async (requisitionId: string, kind = 'requisition_approval') => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const task = (await listTasksOfSubject(deps.db, { subjectType: 'Requisition', subjectId: requisitionId })).find((t) => t.status === 'open' && t.kind === kind);
      if (task) return task;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no open ${kind} task appeared for ${requisitionId}`);
  };
  const until = async (probe: () => Promise<boolean>, what: string) => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      if (await probe()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const openTaskOn = async (subjectType: string, subjectId: string, kind: string) => {
    let found: Awaited<ReturnType<typeof listTasksOfSubject>>[number] | undefined;
    await until(async () => Boolean((found = (await listTasksOfSubject(deps.db, { subjectType, subjectId })).find((t) => t.status === 'open' && t.kind === kind))), `an open ${kind} task`);
    return found!;
  };
  /** The draft order an approved requisition's lines became. */
  const orderOf = async (requisitionId: string) => {
    let found: { id: string } | undefined;
    await until(async () => Boolean((found = (await services.purchaseOrders.list(await as('buyer'), { limit: 5, requisitionId }))[0])), 'the purchase order');
    await openTaskOn('PurchaseOrder', found!.id, 'po_prepare');
    return services.purchaseOrders.get(await as('buyer'), found!.id);
  };
  const isoDay = (days: number) => new Date(deps.clock().getTime() + days * 86_400_000).toISOString().slice(0, 10);
  const projects = await services.suppliers.listProjects(await as('requester'));
  const suppliers = await services.suppliers.list(await as('requester'), { limit: 10 });
  /** A demo supplier by the start of its name (the list comes sorted by name, not in seed order). */
  const supplierId = (name: string) => suppliers.find((candidate) => candidate.name.startsWith(name))?.id ?? null;
  const line = (description: string, quantity: string, unitPrice: string, supplier?: string): RequisitionBody['lines'][number] => ({
    description,
    quantity,
    unit: 'each',
    unitPrice,
    supplierId: supplier === undefined ? null : supplierId(supplier),
  });
  const create = async (key: DemoKey, body: RequisitionBody) => (await services.requisitions.create(await as(key), body, audit)).id;
  const submit = async (key: DemoKey, id: string) => services.requisitions.submit(await as(key), id, audit);
  const decide = async (key: DemoKey, id: string, action: 'approve' | 'reject' | 'question', comment?: string) =>
    services.tasks.complete(await as(key), (await openTask(id)).id, { action, ...(comment ? { comment } : {}) });

  const gloves = await create('requester', { title: 'Safety gloves for the assembly hall', purpose: 'daily_operations', lines: [line('Cut-resistant gloves, size 9', '40', '7.90', 'OfficeHub'), line('Cut-resistant gloves, size 10', '20', '7.90', 'OfficeHub')] });
  await submit('requester', gloves);
  await decide('manager', gloves, 'approve');

  const bearings = await create('requester', { title: 'Spindle bearings for line 4', purpose: 'project', projectId: projects[0]?.id ?? null, neededBy: null, lines: [line('Angular contact bearing 7206', '12', '148.50', 'Nordic'), line('Bearing grease 1 kg', '4', '31.20', 'Nordic')] });
  await submit('requester', bearings);

  const wrenches = await create('engineer', { title: 'Torque wrench set for robot cell', purpose: 'project', projectId: projects[1]?.id ?? null, lines: [line('Torque wrench 20-100 Nm', '4', '890.00', 'Acme'), line('Torque wrench 60-340 Nm', '2', '1240.00', 'Acme'), line('Calibration certificate', '6', '95.00', 'Acme')] });
  await submit('engineer', wrenches);
  await decide('manager', wrenches, 'approve');

  const monitors = await create('requester', { title: 'Monitor arms for the design office', purpose: 'daily_operations', lines: [line('Dual monitor arm', '6', '148.00', 'OfficeHub')] });
  await submit('requester', monitors);
  await decide('manager', monitors, 'question', 'Which desks are these for? Facilities ordered some in March.');

  const coffee = await create('engineer', { title: 'Espresso machine for the lab', purpose: 'daily_operations', lines: [line('Espresso machine', '1', '649.00')] });
  await submit('engineer', coffee);
  await decide('manager', coffee, 'reject', 'Please use the one in the kitchen on floor 2.');

  // Purchasing: the gloves' order prepared by the buyer, issued (its PDF in the outbox) and half delivered; the fasteners' order waits in the buyer's inbox.
  const gloveOrder = await orderOf(gloves);
  const prepare = await openTaskOn('PurchaseOrder', gloveOrder.id, 'po_prepare');
  await services.tasks.claim(await as('buyer'), prepare.id).catch(() => undefined);
  await services.tasks.complete(await as('buyer'), prepare.id, {
    action: 'prepare',
    data: { deliveryDate: isoDay(14), deliveryAddress: 'Goods receiving, Dock 2, 1 Industrial Way, Springfield', lines: gloveOrder.lines.map((l) => ({ lineId: l.id, unitPrice: '7.60' })) },
  });
  await until(async () => (await services.purchaseOrders.get(await as('buyer'), gloveOrder.id)).status === 'issued', 'the gloves order to be issued');
  await services.purchaseOrders.receive(await as('warehouse'), { purchaseOrderId: gloveOrder.id, location: 'A-01', deliveryNote: 'DN-88412', lines: [{ purchaseOrderLineId: gloveOrder.lines[0]!.id, quantityReceived: '40' }] }, 'demo-gloves-1');

  // Invoicing: OfficeHub bills the delivered size 9 exactly (approved at once, due on 2/10 net 30), and the size 10 before it came, at a higher price (an exception in the accountant's inbox).
  const [size9, size10] = gloveOrder.lines;
  await services.invoices.create(await as('payables'), { supplierId: gloveOrder.supplierId, invoiceNumber: 'OH-5512', invoiceDate: isoDay(0), purchaseOrderId: gloveOrder.id, lines: [{ purchaseOrderLineId: size9!.id, quantity: '40', unitPrice: '7.60' }], taxAmount: '15.20', total: '319.20' }, 'demo-invoice-1', audit);
  const early = await services.invoices.create(await as('payables'), { supplierId: gloveOrder.supplierId, invoiceNumber: 'OH-5513', invoiceDate: isoDay(0), purchaseOrderId: gloveOrder.id, lines: [{ purchaseOrderLineId: size10!.id, quantity: '20', unitPrice: '7.95' }], taxAmount: '7.95', total: '166.95' }, 'demo-invoice-2', audit);
  await openTaskOn('Invoice', early.id, 'invoice_exception');

  const fasteners = await create('engineer', { title: 'Fasteners for the conveyor rebuild', purpose: 'daily_operations', lines: [line('Hex bolt M10x60, zinc, box of 50', '12', '21.40', 'Precision'), line('Nyloc nut M10, box of 100', '6', '9.80', 'Precision')] });
  await submit('engineer', fasteners);
  await decide('manager', fasteners, 'approve');
  await orderOf(fasteners);

  await create('requester', { title: 'Lab consumables (draft)', purpose: 'project', projectId: projects[2]?.id ?? null, lines: [line('Nitrile gloves, box of 100', '10', '6.40'), line('Isopropyl alcohol 1 l', '6', '8.90')] });
}
