import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * Purchase orders in Chromium (SPEC 4.2): an approved requisition's draft
 * order is priced by the buyer in the inbox dialog, goes to the supplier,
 * the warehouse receives part of it on the receiving page, the order page
 * shows the receipt, and the supplier answers through the link in the mail,
 * without an account. Real API, database, worker and Temporal server.
 */
const browser = useBrowserStack('purchase-orders');
const { newPage, shoot, signIn, api, login, eventually } = browser;

interface OrderLine {
  id: string;
  lineNo: number;
  quantity: string;
  receivedQuantity: string;
  rejectedQuantity: string;
  acceptedQuantity: string;
  openQuantity: string;
}
interface Order {
  id: string;
  number: string | null;
  status: string;
  revision: number;
  requisitionNumber?: string | null;
  total: string;
  acknowledgement: string | null;
  lines: OrderLine[];
  receipts: { number: string }[];
}
interface OpenTask {
  id: string;
  kind: string;
  subjectId: string;
}

/** Approves every open step of the requisition, whoever holds it, until it is approved. */
async function approveRequisition(id: string, number: string): Promise<void> {
  const approvers = await Promise.all(['manager', 'procurement_manager', 'finance_director'].map(login));
  await eventually(async () => {
    for (const token of approvers) {
      const { body } = await api('GET', '/tasks?status=open&limit=200', token);
      for (const task of (body.items as { id: string; businessKey: string; assigneeId: string | null }[]).filter((item) => item.businessKey === number)) {
        if (!task.assigneeId) await api('POST', `/tasks/${task.id}/claim`, token);
        await api('POST', `/tasks/${task.id}/complete`, token, { action: 'approve' });
      }
    }
    const { body } = await api('GET', `/requisitions/${id}`, approvers[0]);
    return body.status === 'approved' || body.status === 'ordered' ? true : undefined;
  }, `${number} approved`, 40_000);
}

async function orderOf(token: string, id: string): Promise<Order> {
  const { status, body } = await api('GET', `/purchase-orders/${id}`, token);
  expect(status).toBe(200);
  return body as Order;
}

interface RequisitionLine {
  description: string;
  quantity: string;
  unit: string;
  unitPrice: string;
}

/** A requisition for Acme's lines, approved through the API; answers it and its draft order with the buyer's prepare task. */
async function approvedDraft(title: string, lines: RequisitionLine[]) {
  const [requesterToken, buyerToken] = (await Promise.all(['requester', 'buyer'].map(login))) as [string, string];
  const { body: suppliers } = await api('GET', '/suppliers?limit=200', buyerToken);
  const acme = (suppliers.items as { id: string; name: string; email: string }[]).find((supplier) => supplier.name === 'Acme Industrial Supply')!;
  const created = await api('POST', '/requisitions', requesterToken, { title, purpose: 'daily_operations', lines: lines.map((line) => ({ ...line, supplierId: acme.id })) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const requisitionId = created.body.id as string;
  const submitted = await api('POST', `/requisitions/${requisitionId}/submit`, requesterToken);
  expect(submitted.status).toBe(202);
  await approveRequisition(requisitionId, submitted.body.number as string);
  const draft = await eventually(async () => {
    const { body } = await api('GET', `/purchase-orders?requisitionId=${requisitionId}`, buyerToken);
    return (body.items as Order[])[0];
  }, 'the draft order');
  const prepareTask = await eventually(async () => {
    const { body } = await api('GET', '/tasks?status=open&kind=po_prepare&limit=200', buyerToken);
    return (body.items as OpenTask[]).find((task) => task.subjectId === draft.id);
  }, 'the prepare task');
  return { acme, requisitionId, draft, prepareTask };
}

async function waitForOrder(token: string, id: string, accept: (order: Order) => boolean, what: string): Promise<Order> {
  return eventually(async () => {
    const order = await orderOf(token, id);
    return accept(order) ? order : undefined;
  }, what);
}

/** The inbox row of a task, reloading until it has arrived. */
async function taskRow(page: Page, taskId: string) {
  const row = page.locator(`tr[data-task-id="${taskId}"]`);
  await eventually(async () => {
    if ((await row.count()) > 0) return true;
    await page.reload();
    return undefined;
  }, `task ${taskId} in the inbox`);
  return row;
}

describe('purchase orders in the browser', { timeout: 150_000 }, () => {
  test('the buyer prepares the order in the inbox, the warehouse receives part of it, the order page shows the receipt, the supplier confirms through the link', async () => {
    const [buyerToken, warehouseToken] = (await Promise.all(['buyer', 'warehouse'].map(login))) as [string, string];
    // A requisition with a supplier on its lines, approved through the API.
    const { acme, requisitionId, draft, prepareTask } = await approvedDraft('Bearings for line 4', [
      { description: 'Spindle bearing 6204-2RS', quantity: '40', unit: 'each', unitPrice: '9.50' },
      { description: 'Bearing grease 400 g', quantity: '10', unit: 'tube', unitPrice: '12.50' },
    ]);

    // The buyer prices it in the inbox dialog: estimates and the default tax come prefilled, totals follow exactly.
    const buyer = await newPage();
    await signIn(buyer, 'buyer');
    await (await taskRow(buyer, prepareTask.id)).getByRole('button', { name: 'Prepare and send' }).click();
    const dialog = buyer.getByRole('dialog');
    const price1 = dialog.getByLabel('Line 1 unit price');
    expect(await price1.inputValue()).toBe('9.50');
    expect(await dialog.getByLabel('Line 1 tax rate').inputValue()).toBe('5');
    // 40 x 9.50 = 380.00 + 10 x 12.50 = 125.00; 5% tax each: 25.25.
    expect(await dialog.getByTestId('prepare-total').textContent()).toBe('530.25');

    // Five decimals: the live total gives up, and the API's refusal lands at the field.
    await price1.fill('9.12345');
    expect(await dialog.getByTestId('prepare-total').textContent()).toBe('—');
    await dialog.getByLabel(/Delivery date/).fill('2027-01-15');
    await dialog.getByRole('button', { name: 'Prepare and send' }).click();
    await dialog.locator('td .field-error').filter({ hasText: '4 after it' }).waitFor();
    expect(await price1.getAttribute('aria-invalid')).toBe('true');

    await price1.fill('9.85');
    expect(await dialog.locator('td .field-error').count()).toBe(0);
    await dialog.getByLabel('Line 2 tax rate').fill('19');
    // 394.00 at 5% (19.70) + 125.00 at 19% (23.75) = 519.00 + 43.45 = 562.45.
    await expect.poll(() => dialog.getByTestId('prepare-total').textContent()).toBe('562.45');
    expect(await dialog.getByTestId('prepare-net').textContent()).toBe('519.00');
    expect(await dialog.getByTestId('prepare-tax').textContent()).toBe('43.45');
    expect(await dialog.getByTestId('approval-hint').textContent()).toContain('goes to the supplier as soon as you send it');
    await shoot(buyer, 'prepare-dialog');
    await dialog.getByRole('button', { name: 'Prepare and send' }).click();
    await buyer.getByTestId('outcome').waitFor();

    const issued = await waitForOrder(buyerToken, draft.id, (order) => order.status === 'issued', 'the order issued');
    expect(issued.total).toBe('562.45');
    const number = issued.number!;
    expect(number).toMatch(/^PO-\d{4}-\d{5}$/);

    // The warehouse finds it by its number (Enter, as a scanner sends it) and receives part of it.
    const warehouse = await newPage();
    await signIn(warehouse, 'warehouse');
    await warehouse.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Receiving' }).click();
    const search = warehouse.getByLabel('Purchase order number');
    await expect.poll(() => search.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await warehouse.getByTestId('receiving-orders').getByText(number).waitFor();
    await shoot(warehouse, 'receiving-search');
    await search.fill(number);
    await search.press('Enter');
    await warehouse.waitForURL((url) => url.pathname === `/receiving/${draft.id}`);
    expect(await warehouse.getByTestId('receiving-number').textContent()).toBe(number);

    await warehouse.getByLabel('Delivery note').fill('DN-4711');
    await warehouse.getByLabel('Storage location').fill('A-01');
    // More than ordered is refused by the API, shown at the line.
    await warehouse.getByLabel('Line 1 received').fill('41');
    await warehouse.getByRole('button', { name: 'Record receipt' }).click();
    const lineError = warehouse.getByTestId('line-error-1');
    await lineError.waitFor();
    expect(await lineError.textContent()).toMatch(/over-receipt/);
    await shoot(warehouse, 'receiving-refused');

    await warehouse.getByLabel('Line 1 received').fill('25');
    await warehouse.getByLabel('Line 1 rejected').fill('1');
    // What is typed now is not what was refused: the line's error gives way.
    await expect.poll(() => lineError.count()).toBe(0);
    await shoot(warehouse, 'receiving');
    await warehouse.getByRole('button', { name: 'Record receipt' }).click();
    const recorded = warehouse.getByTestId('receipt-recorded');
    await recorded.waitFor();
    const receiptNumber = /GR-\d{4}-\d{5}/.exec((await recorded.textContent()) ?? '')?.[0];
    expect(receiptNumber).toBeTruthy();
    await shoot(warehouse, 'receiving-recorded');

    const received = await waitForOrder(warehouseToken, draft.id, (order) => order.status === 'partially_received', 'the order partly received');
    expect(received.lines[0]).toMatchObject({ receivedQuantity: '25.0000', rejectedQuantity: '1.0000', acceptedQuantity: '24.0000', openQuantity: '16.0000' });

    // The order page: status, the receipt, what is still open; the buyer's actions.
    await buyer.goto(`${browser.stack.url}/purchase-orders/${draft.id}`);
    expect(await buyer.getByTestId('po-status').locator('[data-status]').getAttribute('data-status')).toBe('partially_received');
    await buyer.getByTestId('po-receipts').getByText(receiptNumber!).waitFor();
    const line1 = buyer.getByTestId('po-lines').locator('tr[data-line="1"]');
    expect((await line1.locator('td').allTextContents()).slice(2, 8).map((cell) => cell.trim())).toEqual(['40 each', '25', '1', '0', '24', '16']);
    expect(await buyer.getByTestId('po-total').textContent()).toContain('562.45');
    for (const action of ['Revise', 'Cancel remaining']) await buyer.getByRole('button', { name: action }).waitFor();
    expect(await buyer.getByRole('link', { name: 'Receive goods' }).count()).toBe(0);
    // The PDF as it was sent, through the session of the page.
    const pdf = await buyer.request.get(`${browser.stack.url}${await buyer.getByTestId('po-pdf').getAttribute('href')}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await shoot(buyer, 'po-page');

    // The requisition lists its order; the list shows it with its status.
    await buyer.goto(`${browser.stack.url}/requisitions/${requisitionId}`);
    await buyer.getByTestId('requisition-orders').getByRole('link', { name: number }).waitFor();
    await buyer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Purchase orders' }).click();
    const listed = buyer.getByTestId('purchase-order-list').locator('tr', { hasText: number });
    expect(await listed.locator('[data-status]').first().getAttribute('data-status')).toBe('partially_received');
    await shoot(buyer, 'po-list');

    // The supplier's link from the order mail: looking changes nothing, the button confirms once.
    const mail = await eventually(async () => {
      const { body } = await api('GET', '/outbox?limit=100', buyerToken);
      return (body.items as { id: string; template: string; toAddress: string; subject: string }[]).find(
        (item) => item.template === 'purchase-order' && item.toAddress === acme.email && item.subject.includes(number),
      );
    }, 'the order mail to the supplier');
    const { body: full } = await api('GET', `/outbox/${mail.id}`, buyerToken);
    const link = /https?:\/\/[^\s"'<>]+\/supplier\/[\w-]+\.[\w-]+\?action=confirm/.exec(full.text as string)?.[0];
    expect(link, full.text).toBeTruthy();
    const supplierUrl = `${browser.stack.url}${new URL(link!).pathname}${new URL(link!).search}`;

    const supplier = await newPage();
    await supplier.goto(supplierUrl);
    expect(await supplier.getByTestId('supplier-po-number').textContent()).toBe(number);
    expect(await supplier.getByTestId('supplier-total').textContent()).toMatch(/^562\.45 [A-Z]{3}$/);
    expect((await orderOf(buyerToken, draft.id)).acknowledgement).toBe('awaiting');
    await shoot(supplier, 'supplier-link');
    await supplier.getByRole('button', { name: `Confirm order ${number}` }).click();
    await supplier.getByTestId('supplier-answered').waitFor();
    await shoot(supplier, 'supplier-confirmed');
    expect((await orderOf(buyerToken, draft.id)).acknowledgement).toBe('confirmed');
    expect(await supplier.context().cookies()).toEqual([]);
    // The same link again: answered already, nothing to press.
    await supplier.goto(supplierUrl);
    await supplier.getByTestId('supplier-used').waitFor();
    expect(await supplier.getByRole('button', { name: /Confirm order/ }).count()).toBe(0);

    await Promise.all([buyer, warehouse, supplier].map((page) => page.context().close()));
  });

  test('on the order page the warehouse returns goods, the buyer revises the order and cancels the rest; the supplier proposes another date', async () => {
    const [buyerToken, warehouseToken] = (await Promise.all(['buyer', 'warehouse'].map(login))) as [string, string];
    const { acme, draft, prepareTask } = await approvedDraft('Fasteners for the assembly cell', [
      { description: 'Hex bolt M8x40 (box of 100)', quantity: '20', unit: 'box', unitPrice: '18.00' },
      { description: 'Washer M8 (box of 500)', quantity: '5', unit: 'box', unitPrice: '7.20' },
    ]);
    const [bolts, washers] = (await orderOf(buyerToken, draft.id)).lines;
    const prepared = await api('POST', `/tasks/${prepareTask.id}/complete`, buyerToken, {
      action: 'prepare',
      data: { deliveryDate: '2027-02-01', deliveryAddress: 'Dock 2, Springfield', lines: [{ lineId: bolts!.id, unitPrice: '18.00' }, { lineId: washers!.id, unitPrice: '7.20' }] },
    });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    const issued = await waitForOrder(buyerToken, draft.id, (order) => order.status === 'issued', 'the order issued');
    const receipt = await api('POST', '/receipts', warehouseToken, { purchaseOrderId: draft.id, location: 'B-02', lines: [{ purchaseOrderLineId: bolts!.id, quantityReceived: '12' }] });
    expect(receipt.status, JSON.stringify(receipt.body)).toBe(201);
    await waitForOrder(warehouseToken, draft.id, (order) => order.status === 'partially_received', 'the order partly received');

    // Return to vendor, from the receipt on the order page.
    const warehouse = await newPage();
    await signIn(warehouse, 'warehouse');
    await warehouse.goto(`${browser.stack.url}/purchase-orders/${draft.id}`);
    await warehouse.getByRole('button', { name: 'Return to vendor' }).click();
    const returnDialog = warehouse.getByRole('dialog');
    await returnDialog.getByLabel('Return quantity of line 1').fill('13');
    await returnDialog.getByLabel('Reason').fill('Two boxes arrived crushed');
    await returnDialog.getByRole('button', { name: 'Return to vendor' }).click();
    // More than was accepted: refused at the line, nothing returned.
    await returnDialog.getByRole('alert').filter({ hasText: 'can still be returned' }).waitFor();
    await returnDialog.getByLabel('Return quantity of line 1').fill('2');
    await shoot(warehouse, 'return-dialog');
    await returnDialog.getByRole('button', { name: 'Return to vendor' }).click();
    await warehouse.getByText(/Return RTV-\d{4}-\d{5} recorded/).waitFor();
    await warehouse.getByTestId('po-receipts').getByText('Two boxes arrived crushed', { exact: false }).waitFor();
    expect((await orderOf(warehouseToken, draft.id)).lines[0]).toMatchObject({ returnedQuantity: '2.0000', acceptedQuantity: '10.0000', openQuantity: '10.0000' });

    // A change order through the dialog: two more washers, sent as revision 1.
    const buyer = await newPage();
    await signIn(buyer, 'buyer');
    await buyer.goto(`${browser.stack.url}/purchase-orders/${draft.id}`);
    await buyer.getByRole('button', { name: 'Revise' }).click();
    const revise = buyer.getByRole('dialog');
    await revise.getByLabel('Line 2 quantity').fill('7');
    // 20 x 18.00 + 7 x 7.20 = 410.40, 5% tax 20.52: 430.92.
    await expect.poll(() => revise.getByTestId('revise-total').textContent()).toBe('430.92');
    await revise.getByLabel('Reason for the change').fill('Two more boxes of washers for the spare kit');
    await shoot(buyer, 'revise-dialog');
    await revise.getByRole('button', { name: 'Send revision 1' }).click();
    await buyer.getByText('Revision 1 was sent to the supplier.').waitFor();
    const revised = await waitForOrder(buyerToken, draft.id, (order) => order.revision === 1, 'revision 1');
    expect(revised.total).toBe('430.92');
    expect(revised.number).toBe(issued.number);
    await buyer.reload();
    await buyer.getByTestId('po-revisions').getByText('Revision 1').waitFor();

    // The supplier answers the revision through its own link: another date. The link of revision 0 no longer works.
    const mails = await eventually(async () => {
      const { body } = await api('GET', '/outbox?limit=100', buyerToken);
      const found = (body.items as { id: string; template: string; toAddress: string; subject: string }[]).filter(
        (item) => item.template === 'purchase-order' && item.toAddress === acme.email && item.subject.includes(issued.number!),
      );
      return found.length >= 2 ? found : undefined;
    }, 'both order mails');
    const proposeLink = async (mail: { id: string }) => {
      const { body } = await api('GET', `/outbox/${mail.id}`, buyerToken);
      const link = /https?:\/\/[^\s"'<>]+\/supplier\/[\w-]+\.[\w-]+\?action=propose_date/.exec(body.text as string)?.[0];
      expect(link, body.text).toBeTruthy();
      return `${browser.stack.url}${new URL(link!).pathname}${new URL(link!).search}`;
    };
    const revisionMail = mails.find((mail) => /revision 1/i.test(mail.subject))!;
    const firstMail = mails.find((mail) => mail !== revisionMail)!;
    const supplier = await newPage();
    await supplier.goto(await proposeLink(firstMail));
    expect(await supplier.getByTestId('supplier-page').getAttribute('data-state')).toBe('superseded');
    expect(await supplier.getByRole('button', { name: /Propose|Confirm/ }).count()).toBe(0);
    await supplier.goto(await proposeLink(revisionMail));
    // Opened from the "propose another date" link: the date form is open, the date field ready.
    const date = supplier.getByLabel('Date you can deliver');
    await date.fill('2027-02-12');
    await supplier.getByLabel(/Comment/).fill('The washers come from the mill on 10 February');
    await shoot(supplier, 'supplier-propose');
    await supplier.getByRole('button', { name: 'Propose this date' }).click();
    await supplier.getByTestId('supplier-answered').getByText('12 Feb 2027').waitFor();
    await waitForOrder(buyerToken, draft.id, (order) => order.acknowledgement === 'date_proposed', 'the date proposed');
    // The buyer decides it in the inbox; the order page says what is proposed meanwhile.
    await buyer.reload();
    await buyer.getByText(/The supplier proposes delivery on/).waitFor();

    // The rest is cancelled: the order closes at what arrived.
    await buyer.getByRole('button', { name: 'Cancel remaining' }).click();
    await buyer.getByRole('dialog').getByLabel('Reason').fill('The rest is no longer needed');
    await buyer.getByRole('dialog').getByRole('button', { name: 'Cancel the remaining quantity' }).click();
    await buyer.getByText('What had not arrived was cancelled').waitFor();
    await waitForOrder(buyerToken, draft.id, (order) => order.status === 'received', 'the order closed at what arrived');
    await buyer.reload();
    expect(await buyer.getByTestId('po-status').locator('[data-status]').getAttribute('data-status')).toBe('received');
    await shoot(buyer, 'po-page-closed');

    await Promise.all([buyer, warehouse, supplier].map((page) => page.context().close()));
  });

  test('lines without a supplier: the buyer assigns one per line in the inbox dialog, and they become a draft order', async () => {
    const [requesterToken, buyerToken] = (await Promise.all(['requester', 'buyer'].map(login))) as [string, string];
    const created = await api('POST', '/requisitions', requesterToken, {
      title: 'Cable ties and labels',
      purpose: 'daily_operations',
      lines: [
        { description: 'Cable ties 200 mm (bag of 100)', quantity: '6', unit: 'bag', unitPrice: '4.90' },
        { description: 'Label tape 12 mm', quantity: '4', unit: 'roll', unitPrice: '11.00' },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const requisitionId = created.body.id as string;
    const submitted = await api('POST', `/requisitions/${requisitionId}/submit`, requesterToken);
    await approveRequisition(requisitionId, submitted.body.number as string);
    const assignTask = await eventually(async () => {
      const { body } = await api('GET', '/tasks?status=open&kind=po_assign_supplier&limit=200', buyerToken);
      return (body.items as OpenTask[]).find((task) => task.subjectId === requisitionId);
    }, 'the assign-suppliers task');

    const buyer = await newPage();
    await signIn(buyer, 'buyer');
    await (await taskRow(buyer, assignTask.id)).getByRole('button', { name: 'Assign suppliers' }).click();
    const dialog = buyer.getByRole('dialog');
    await dialog.getByLabel('Line 1 supplier').selectOption({ label: 'OfficeHub' });
    await dialog.getByLabel('Line 2 supplier').selectOption({ label: 'Precision Fasteners GmbH' });
    await shoot(buyer, 'assign-dialog');
    await dialog.getByRole('button', { name: 'Assign suppliers' }).click();
    await buyer.getByTestId('outcome').waitFor();

    // One draft per supplier, each with its line.
    const drafts = await eventually(async () => {
      const { body } = await api('GET', `/purchase-orders?requisitionId=${requisitionId}`, buyerToken);
      return (body.items as { supplierName: string }[]).length === 2 ? (body.items as { supplierName: string }[]) : undefined;
    }, 'two drafts');
    expect(drafts.map((order) => order.supplierName).sort()).toEqual(['OfficeHub', 'Precision Fasteners GmbH']);
    await buyer.context().close();
  });
  test('the buyer moves a line to another draft to the same supplier and lands on it; the approver sees its lines in the approval dialog', async () => {
    const [buyerToken, managerToken] = (await Promise.all(['buyer', 'procurement_manager'].map(login))) as [string, string];
    // Two approved requisitions ordering from Acme: two drafts to one supplier.
    const { draft: source } = await approvedDraft('Pallet racking, hall 2', [
      { description: 'Rack upright 3000 mm', quantity: '12', unit: 'each', unitPrice: '420.00' },
      { description: 'Rack beam 2700 mm', quantity: '30', unit: 'pair', unitPrice: '95.00' },
    ]);
    const { draft: target, prepareTask } = await approvedDraft('Racking safety for hall 2', [{ description: 'Rack end guard', quantity: '8', unit: 'each', unitPrice: '160.00' }]);
    const sourceLines = (await orderOf(buyerToken, source.id)).lines;

    const buyer = await newPage();
    await signIn(buyer, 'buyer');
    await buyer.goto(`${browser.stack.url}/purchase-orders/${source.id}`);
    await buyer.getByTestId('po-move-lines').click();
    const dialog = buyer.getByRole('dialog');
    await dialog.getByLabel(/Rack upright 3000 mm/).check();
    const select = dialog.getByLabel('Move to');
    await select.selectOption(target.id);
    expect(await select.locator('option:checked').textContent()).toContain(target.requisitionNumber ?? 'Draft');
    await shoot(buyer, 'move-lines-dialog');
    await dialog.getByRole('button', { name: 'Move 1 line' }).click();

    // The target draft's page, now with its own line and the moved one.
    await buyer.waitForURL((url) => url.pathname === `/purchase-orders/${target.id}`);
    await buyer.getByText('1 line moved to this draft.').waitFor();
    const rows = buyer.getByTestId('po-lines').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect((await rows.allTextContents()).join(' ')).toMatch(/Rack end guard[\s\S]*Rack upright 3000 mm/);
    await shoot(buyer, 'move-lines-target');
    const moved = await orderOf(buyerToken, target.id);
    expect(moved.lines.map((line) => line.id)).toContain(sourceLines[0]!.id);
    expect((await orderOf(buyerToken, source.id)).lines.map((line) => line.id)).toEqual([sourceLines[1]!.id]);

    // Priced above the approval threshold: the procurement manager decides it and sees what the order holds.
    const [guard, upright] = moved.lines;
    const prepared = await api('POST', `/tasks/${prepareTask.id}/complete`, buyerToken, {
      action: 'prepare',
      data: { deliveryDate: '2027-03-01', deliveryAddress: 'Hall 2, Springfield', lines: [{ lineId: guard!.id, unitPrice: '160.00' }, { lineId: upright!.id, unitPrice: '880.00' }] },
    });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    const approvalTask = await eventually(async () => {
      const { body } = await api('GET', '/tasks?status=open&kind=po_approval&limit=200', managerToken);
      return (body.items as (OpenTask & { assigneeId: string | null })[]).find((task) => task.subjectId === target.id);
    }, 'the approval task');
    // Offered to every procurement manager: this one takes it first.
    if (!approvalTask.assigneeId) expect((await api('POST', `/tasks/${approvalTask.id}/claim`, managerToken)).status).toBeLessThan(300);
    const manager = await newPage();
    await signIn(manager, 'procurement_manager');
    await (await taskRow(manager, approvalTask.id)).getByRole('button', { name: 'Approve' }).click();
    const approval = manager.getByRole('dialog');
    const lines = approval.getByTestId('approval-lines');
    await lines.waitFor();
    expect(await lines.locator('tbody tr').count()).toBe(2);
    expect(await lines.textContent()).toContain('Rack upright 3000 mm');
    // 8 x 160.00 + 12 x 880.00 = 11,840.00 net, 5% tax: 12,432.00.
    expect(await approval.getByTestId('approval-total').textContent()).toContain('12,432.00');
    await shoot(manager, 'approval-dialog');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await manager.getByTestId('outcome').waitFor();
    await waitForOrder(buyerToken, target.id, (order) => order.status === 'issued', 'the order issued after approval');

    await Promise.all([buyer, manager].map((page) => page.context().close()));
  });
});
