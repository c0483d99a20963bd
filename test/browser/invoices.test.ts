import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * Supplier invoices in Chromium (SPEC 4.3): an accountant enters an invoice
 * against an issued and received order at a price above the tolerance; the
 * match holds it; a second accountant (the one who entered it may not decide
 * it) accepts the variance in the inbox, seeing the holds and the match
 * table; the invoice page shows the match line by line and the hold's
 * history; the invoice is paid in a payment run. Real API, database, worker
 * and Temporal server.
 */
const browser = useBrowserStack('invoices');
const { newPage, shoot, signIn, api, login, eventually } = browser;

/** Screenshots of one part of a page, next to the full-page ones `shoot` takes. */
const partShot = (name: string) => new URL(`../../test-results/invoices-${name}.png`, import.meta.url).pathname;

interface OrderLine {
  id: string;
  lineNo: number;
}
interface Order {
  id: string;
  number: string | null;
  status: string;
  lines: OrderLine[];
}
interface Invoice {
  id: string;
  number: string;
  status: string;
  total: string;
  dueDate: string | null;
  holds: { reason: string; lineNo: number | null }[];
}
interface OpenTask {
  id: string;
  kind: string;
  subjectId: string;
  assigneeId: string | null;
  access: string;
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

/** An order to Acme, approved, sent at the requisition's prices (5% tax) and received in full, all through the API. */
async function receivedOrder(title: string, lines: { description: string; quantity: string; unit: string; unitPrice: string }[]): Promise<Order> {
  const [requesterToken, buyerToken, warehouseToken] = (await Promise.all(['requester', 'buyer', 'warehouse'].map(login))) as [string, string, string];
  const { body: suppliers } = await api('GET', '/suppliers?limit=200', buyerToken);
  const acme = (suppliers.items as { id: string; name: string }[]).find((supplier) => supplier.name === 'Acme Industrial Supply')!;
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
  const { body: full } = await api('GET', `/purchase-orders/${draft.id}`, buyerToken);
  const prepared = await api('POST', `/tasks/${prepareTask.id}/complete`, buyerToken, {
    action: 'prepare',
    data: { deliveryDate: '2027-02-01', deliveryAddress: 'Dock 2, Springfield', lines: (full as Order).lines.map((line, index) => ({ lineId: line.id, unitPrice: lines[index]!.unitPrice, taxRate: '5' })) },
  });
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  const issued = await eventually(async () => {
    const { body } = await api('GET', `/purchase-orders/${draft.id}`, buyerToken);
    return (body as Order).status === 'issued' ? (body as Order) : undefined;
  }, 'the order issued');
  const receipt = await api('POST', '/receipts', warehouseToken, {
    purchaseOrderId: issued.id,
    location: 'A-01',
    lines: issued.lines.map((line, index) => ({ purchaseOrderLineId: line.id, quantityReceived: lines[index]!.quantity })),
  });
  expect(receipt.status, JSON.stringify(receipt.body)).toBe(201);
  return eventually(async () => {
    const { body } = await api('GET', `/purchase-orders/${issued.id}`, buyerToken);
    return (body as Order).status === 'received' ? (body as Order) : undefined;
  }, 'the order received');
}

async function invoiceWhen(token: string, id: string, accept: (invoice: Invoice) => boolean, what: string): Promise<Invoice> {
  return eventually(async () => {
    const { status, body } = await api('GET', `/invoices/${id}`, token);
    expect(status).toBe(200);
    return accept(body as Invoice) ? (body as Invoice) : undefined;
  }, what, 30_000);
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

describe('invoices in the browser', { timeout: 180_000 }, () => {
  test('an invoice above the price tolerance is held; another accountant accepts the variance in the inbox; the invoice page shows the match; it is paid in a payment run', async () => {
    // Arjun enters the invoice; Paula, the other accountant, decides what he may not.
    const [clerkToken, colleagueToken] = (await Promise.all(['accountant', 'payables'].map(login))) as [string, string];

    const order = await receivedOrder('Hoses for press 3', [
      { description: 'Hydraulic hose 1/2 in, 2 m', quantity: '20', unit: 'each', unitPrice: '12.50' },
      { description: 'Hose clamp 25 mm', quantity: '50', unit: 'each', unitPrice: '0.80' },
    ]);
    const number = order.number!;

    // The accountant finds the order by its number on the entry page: the lines come from what was received, at the PO's prices.
    const clerk = await newPage();
    await signIn(clerk, 'accountant');
    await clerk.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoices' }).click();
    await clerk.getByRole('link', { name: 'Enter invoice' }).click();
    await clerk.getByTestId('invoice-order-candidates').getByText(number).waitFor();
    await shoot(clerk, 'new-pick-order');
    const search = clerk.getByLabel('Purchase order on the invoice');
    await search.fill(number);
    await search.press('Enter');
    await clerk.waitForURL((url) => url.pathname === '/invoices/new' && url.searchParams.get('purchaseOrderId') === order.id);
    expect(await clerk.getByLabel('Line 1 quantity').inputValue()).toBe('20');
    expect(await clerk.getByLabel('Line 1 unit price').inputValue()).toBe('12.50');
    expect(await clerk.getByLabel('Line 2 quantity').inputValue()).toBe('50');
    // 20 x 12.50 + 50 x 0.80 = 290.00; 5% tax 14.50.
    expect(await clerk.getByTestId('invoice-net').textContent()).toBe('290.00');
    expect(await clerk.getByLabel('Tax').inputValue()).toBe('14.50');
    expect(await clerk.getByLabel(/^Total/).inputValue()).toBe('304.50');

    // The supplier billed the hose at 12.90: 0.40 over a PO price of 12.50, where 2% (0.25) is allowed.
    await clerk.getByLabel(/invoice number/).fill('AC-77812');
    await clerk.getByLabel('Line 1 unit price').fill('12.90');
    // 258.00 + 40.00 = 298.00; tax 12.90 + 2.00 = 14.90.
    await expect.poll(() => clerk.getByLabel(/^Total/).inputValue()).toBe('312.90');
    expect(await clerk.getByLabel('Tax').inputValue()).toBe('14.90');

    // A total typed that the lines do not add up to: pointed out, then refused by the API at the field.
    await clerk.getByLabel(/^Total/).fill('312.00');
    await clerk.getByTestId('invoice-total-differs').waitFor();
    await clerk.getByRole('button', { name: 'Enter invoice' }).click();
    await clerk.getByTestId('invoice-total-error').waitFor();
    expect(await clerk.getByLabel(/^Total/).getAttribute('aria-invalid')).toBe('true');
    await shoot(clerk, 'new-refused');
    await clerk.getByRole('button', { name: 'Use 312.90' }).click();
    expect(await clerk.getByTestId('invoice-total-error').count()).toBe(0);
    await shoot(clerk, 'new');
    await clerk.getByRole('button', { name: 'Enter invoice' }).click();
    await clerk.waitForURL((url) => /^\/invoices\/[0-9a-f-]{36}$/.test(url.pathname));
    const invoiceId = new URL(clerk.url()).pathname.split('/').at(-1)!;

    const held = await invoiceWhen(clerkToken, invoiceId, (invoice) => invoice.status === 'on_hold', 'the invoice on hold');
    expect(held.total).toBe('312.90');
    // The total is off by more than the price band allows on these quantities, so the header holds it too.
    expect(held.holds.map((hold) => [hold.reason, hold.lineNo])).toEqual([
      ['price_over', 1],
      ['total_mismatch', null],
    ]);
    await clerk.reload();
    expect(await clerk.getByTestId('invoice-status').locator('[data-status]').getAttribute('data-status')).toBe('on_hold');
    await clerk.getByTestId('invoice-holds').getByText('Price above tolerance').waitFor();
    const heldLine = clerk.getByTestId('match-table').locator('tbody tr[data-line="1"]');
    expect(await heldLine.getAttribute('class')).toContain('held');
    expect(await heldLine.locator('[data-hold]').getAttribute('data-hold')).toBe('price_over');
    expect(await clerk.getByTestId('match-table').locator('tbody tr[data-line="2"] [data-hold]').count()).toBe(0);
    expect(await clerk.getByTestId('match-table').locator('tr[data-header="total"] [data-hold="total_mismatch"]').count()).toBe(1);
    await shoot(clerk, 'invoice-held');

    // Segregation of duties: the exception goes to the other accountant, never to the one who entered it.
    const exception = await eventually(async () => {
      const { body } = await api('GET', '/tasks?status=open&kind=invoice_exception&limit=200', colleagueToken);
      return (body.items as OpenTask[]).find((task) => task.subjectId === invoiceId);
    }, 'the exception task');
    const { body: clerkTasks } = await api('GET', '/tasks?status=open&kind=invoice_exception&limit=200', clerkToken);
    expect((clerkTasks.items as OpenTask[]).filter((task) => task.subjectId === invoiceId && ['assignee', 'candidate', 'delegate'].includes(task.access))).toEqual([]);
    expect((await api('POST', `/tasks/${exception.id}/claim`, clerkToken)).status).toBeGreaterThanOrEqual(400);

    // The colleague decides it in the inbox, seeing the holds and the match table.
    const reviewer = await newPage();
    await signIn(reviewer, 'payables');
    const row = await taskRow(reviewer, exception.id);
    if (exception.access === 'candidate') {
      await row.getByRole('button', { name: 'Claim' }).click();
      await row.getByRole('button', { name: 'Accept the variance' }).waitFor();
    }
    await row.getByRole('button', { name: 'Accept the variance' }).click();
    const dialog = reviewer.getByRole('dialog');
    await dialog.getByTestId('invoice-decision').waitFor();
    await dialog.getByTestId('invoice-holds').getByText('Price above tolerance').waitFor();
    expect(await dialog.getByTestId('decision-match-table').locator('tbody tr[data-line="1"] [data-hold="price_over"]').count()).toBe(1);
    // 0.40 is within twice the tolerance: no procurement manager is needed.
    expect(await dialog.getByTestId('second-approval-note').count()).toBe(0);
    await dialog.getByLabel('Comment').fill('Acme’s new price list from 1 March; the buyer confirmed the price');
    await shoot(reviewer, 'exception-dialog');
    await dialog.getByRole('button', { name: 'Accept the variance' }).click();
    await reviewer.getByTestId('outcome').waitFor();

    // Matched at an accepted variance, within the auto-approve limit: approved for payment.
    await invoiceWhen(colleagueToken, invoiceId, (invoice) => invoice.status === 'approved', 'the invoice approved');
    await reviewer.goto(`${browser.stack.url}/invoices/${invoiceId}`);
    expect(await reviewer.getByTestId('invoice-status').locator('[data-status]').getAttribute('data-status')).toBe('approved');
    const history = reviewer.getByTestId('hold-history').locator('li[data-hold="price_over"]');
    await history.getByText('Variance accepted').waitFor();
    await history.getByText(/Paula Payne/).waitFor();
    await reviewer.getByTestId('invoice-approval').getByText(/Variance accepted by Paula Payne/).waitFor();
    expect(await reviewer.getByTestId('invoice-holds').count()).toBe(0);
    await shoot(reviewer, 'invoice-page');
    await reviewer.getByTestId('match-table').screenshot({ path: partShot('match-table') });

    // The list shows it approved.
    await reviewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoices' }).click();
    const listed = reviewer.getByTestId('invoice-list').locator('tr', { hasText: held.number });
    expect(await listed.locator('[data-status]').getAttribute('data-status')).toBe('approved');
    await shoot(reviewer, 'list');

    // Paid in a payment run: due in 30 days (Acme's terms), so it is on the list due by then.
    const approved = await invoiceWhen(clerkToken, invoiceId, () => true, 'the invoice');
    await clerk.goto(`${browser.stack.url}/payments?dueBy=${approved.dueDate}`);
    const proposal = clerk.getByTestId('payment-proposal');
    await proposal.getByRole('link', { name: held.number }).waitFor();
    await clerk.getByLabel(`Pay ${held.number}`).check();
    await expect.poll(() => clerk.getByTestId('payment-selection').textContent()).toContain('312.90');
    await clerk.getByLabel('Bank reference').fill('SEPA-2026-0042');
    await shoot(clerk, 'payments');
    await clerk.getByRole('button', { name: 'Pay selected' }).click();
    await clerk.waitForURL((url) => url.pathname.startsWith('/payments/runs/'));
    await clerk.getByTestId('payment-run-created').waitFor();
    expect(await clerk.getByTestId('payment-run-total').textContent()).toBe('312.90');
    await clerk.getByTestId('payment-run-invoices').getByRole('link', { name: held.number }).waitFor();
    await shoot(clerk, 'payment-run');
    await invoiceWhen(clerkToken, invoiceId, (invoice) => invoice.status === 'paid', 'the invoice paid');

    await Promise.all([clerk, reviewer].map((page) => page.context().close()));
  });

  test('the admin tightens the matching policy and gives a supplier tolerances of its own; an accountant exports the approved bills, downloads them and exports one again', async () => {
    const [adminToken, clerkToken] = (await Promise.all(['admin', 'accountant'].map(login))) as [string, string];
    const admin = await newPage();
    await signIn(admin, 'admin');
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Matching policy' }).click();
    const policyForm = admin.getByTestId('matching-policy-form');
    // Refused by the API's schema: shown at the field.
    await policyForm.getByLabel('Quantity tolerance percent').fill('150');
    await policyForm.getByRole('button', { name: 'Save policy' }).click();
    await policyForm.locator('.field-error').filter({ hasText: 'percent' }).waitFor();
    expect(await policyForm.getByLabel('Quantity tolerance percent').getAttribute('aria-invalid')).toBe('true');
    await policyForm.getByLabel('Quantity tolerance percent').fill('0');
    await policyForm.getByLabel('Price above, percent').fill('3');
    await policyForm.getByRole('button', { name: 'Save policy' }).click();
    await admin.getByText('Matching policy saved.').waitFor();
    expect((await api('GET', '/policies/matching', adminToken)).body.priceUpper.percent).toBe('3');

    // A supplier of its own: a price limit is a percent and an amount together.
    await admin.getByTestId('add-supplier-tolerances').click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Supplier').selectOption({ label: 'Nordic Bearings AB' });
    await dialog.getByLabel('Price above, percent').fill('5');
    await dialog.getByRole('button', { name: 'Save tolerances' }).click();
    await dialog.locator('.field-error').filter({ hasText: 'percent and an amount' }).waitFor();
    await dialog.getByLabel('Price above, amount per unit').fill('10');
    await dialog.getByRole('button', { name: 'Save tolerances' }).click();
    await admin.getByText('Tolerances of Nordic Bearings AB saved.').waitFor();
    const override = admin.getByTestId('supplier-tolerances').locator('tr', { hasText: 'Nordic Bearings AB' });
    await override.getByText('+5%, ≤ 10.00').waitFor();
    await shoot(admin, 'matching-policy');
    await override.getByRole('button', { name: 'Remove the tolerances of Nordic Bearings AB' }).click();
    await admin.getByText('follows the company’s tolerances again').waitFor();
    expect(await admin.getByTestId('supplier-tolerances').count()).toBe(0);
    const restored = await api('PUT', '/policies/matching', adminToken, { ...(await api('GET', '/policies/matching', adminToken)).body, priceUpper: { percent: '2', amount: '50.00' } });
    expect(restored.status).toBe(200);

    // An invoice at the order's prices: matched and approved without anyone.
    const order = await receivedOrder('Bearing grease', [{ description: 'Bearing grease 400 g', quantity: '10', unit: 'tube', unitPrice: '12.50' }]);
    const { body: suppliers } = await api('GET', '/suppliers?limit=200', clerkToken);
    const acme = (suppliers.items as { id: string; name: string }[]).find((supplier) => supplier.name === 'Acme Industrial Supply')!;
    const entered = await api('POST', '/invoices', clerkToken, {
      supplierId: acme.id,
      invoiceNumber: 'AC-77990',
      invoiceDate: new Date().toISOString().slice(0, 10),
      purchaseOrderId: order.id,
      lines: [{ purchaseOrderLineId: order.lines[0]!.id, quantity: '10', unitPrice: '12.50' }],
      taxAmount: '6.25',
      total: '131.25',
    });
    expect(entered.status, JSON.stringify(entered.body)).toBe(201);
    const approved = await invoiceWhen(clerkToken, entered.body.id as string, (invoice) => invoice.status === 'approved', 'the invoice approved');

    const clerk = await newPage();
    await signIn(clerk, 'accountant');
    await clerk.goto(`${browser.stack.url}/accounting-exports`);
    await clerk.getByTestId('export-new-bills').click();
    const made = clerk.getByTestId('export-made');
    await made.waitFor();
    const exportNumber = (await made.locator('strong.mono').textContent())!;
    const csv = await clerk.request.get(`${browser.stack.url}${await clerk.getByTestId(`export-csv-${exportNumber}`).getAttribute('href')}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toContain('BillNo');
    // Nothing new since: the API says so.
    await clerk.getByTestId('export-new-bills').click();
    await clerk.getByRole('alert').filter({ hasText: 'already exported' }).waitFor();

    // Exported once more, ticked from the list.
    await clerk.getByLabel(`Export ${approved.number} again`).check();
    await clerk.getByTestId('reexport').click();
    await made.filter({ hasText: '1 bill,' }).waitFor();
    await clerk.getByTestId('accounting-exports').getByText('Re-export').first().waitFor();
    await shoot(clerk, 'accounting-exports');

    await Promise.all([admin, clerk].map((page) => page.context().close()));
  });

  test('a credit note clears a price hold; above the auto-approve limit the other accountant approves the invoice seeing its match; the payment task records the payment', async () => {
    const [adminToken, clerkToken, colleagueToken] = (await Promise.all(['admin', 'accountant', 'payables'].map(login))) as [string, string, string];
    const policy = (await api('GET', '/policies/matching', adminToken)).body;
    expect((await api('PUT', '/policies/matching', adminToken, { ...policy, autoApproveLimit: '100.00' })).status).toBe(200);
    try {
      const order = await receivedOrder('Couplings for press 3', [{ description: 'Quick coupling 1/2 in', quantity: '10', unit: 'each', unitPrice: '20.00' }]);
      const { body: suppliers } = await api('GET', '/suppliers?limit=200', clerkToken);
      const acme = (suppliers.items as { id: string; name: string }[]).find((supplier) => supplier.name === 'Acme Industrial Supply')!;
      // Dated 40 days ago on net 30: due already once approved, so the payment step comes at once.
      const invoiceDate = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
      const entered = await api('POST', '/invoices', clerkToken, {
        supplierId: acme.id,
        invoiceNumber: 'AC-78100',
        invoiceDate,
        purchaseOrderId: order.id,
        lines: [{ purchaseOrderLineId: order.lines[0]!.id, quantity: '10', unitPrice: '21.00' }],
        taxAmount: '10.50',
        total: '220.50',
      });
      expect(entered.status, JSON.stringify(entered.body)).toBe(201);
      const invoiceId = entered.body.id as string;
      await invoiceWhen(clerkToken, invoiceId, (invoice) => invoice.status === 'on_hold', 'the invoice on hold');

      // The other accountant asks the supplier for a credit note.
      const exception = await eventually(async () => {
        const { body } = await api('GET', '/tasks?status=open&kind=invoice_exception&limit=200', colleagueToken);
        return (body.items as OpenTask[]).find((task) => task.subjectId === invoiceId);
      }, 'the exception task');
      if (!exception.assigneeId) expect((await api('POST', `/tasks/${exception.id}/claim`, colleagueToken)).status).toBe(200);
      const asked = await api('POST', `/tasks/${exception.id}/complete`, colleagueToken, { action: 'request_credit_note', comment: 'Billed at 21.00, ordered at 20.00: please credit the difference' });
      expect(asked.status, JSON.stringify(asked.body)).toBe(200);

      // It comes; the accountant enters it from the invoice page, prefilled to clear the hold.
      const clerk = await newPage();
      await signIn(clerk, 'accountant');
      await clerk.goto(`${browser.stack.url}/invoices/${invoiceId}`);
      await clerk.getByTestId('enter-credit-note').click();
      await clerk.waitForURL((url) => url.searchParams.get('creditNoteFor') === invoiceId);
      expect(await clerk.getByLabel('Line 1 quantity').inputValue()).toBe('10');
      expect(await clerk.getByLabel('Line 1 unit price').inputValue()).toBe('-1.00');
      expect(await clerk.getByTestId('invoice-net').textContent()).toBe('-10.00');
      expect(await clerk.getByLabel('Tax').inputValue()).toBe('-0.50');
      expect(await clerk.getByLabel(/^Total/).inputValue()).toBe('-10.50');
      await clerk.getByLabel(/credit note number/).fill('AC-CN-1904');
      await shoot(clerk, 'credit-note-new');
      await clerk.getByRole('button', { name: 'Enter credit note' }).click();
      await clerk.waitForURL((url) => /^\/invoices\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(invoiceId));
      await clerk.getByText(/Credit note entered/).waitFor();

      // Matched now, but above the limit: an accountant who did not enter it approves it, seeing the match.
      const approval = await eventually(async () => {
        const { body } = await api('GET', '/tasks?status=open&kind=invoice_approval&limit=200', colleagueToken);
        return (body.items as OpenTask[]).find((task) => task.subjectId === invoiceId);
      }, 'the approval task');
      const reviewer = await newPage();
      await signIn(reviewer, 'payables');
      const row = await taskRow(reviewer, approval.id);
      if (approval.access === 'candidate') await row.getByRole('button', { name: 'Claim' }).click();
      await row.getByRole('button', { name: 'Approve' }).click();
      const dialog = reviewer.getByRole('dialog');
      await dialog.getByTestId('decision-match-table').locator('tbody tr[data-line="1"]').waitFor();
      expect(await dialog.getByTestId('invoice-decision-total').textContent()).toContain('210.00');
      await shoot(reviewer, 'approval-dialog');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await reviewer.getByTestId('outcome').waitFor();
      await invoiceWhen(colleagueToken, invoiceId, (invoice) => invoice.status === 'approved', 'the invoice approved');

      // Due already: the payment step, its form prefilled with what is open and today.
      const payment = await eventually(async () => {
        const { body } = await api('GET', '/tasks?status=open&kind=invoice_payment&limit=200', colleagueToken);
        return (body.items as OpenTask[]).find((task) => task.subjectId === invoiceId);
      }, 'the payment task');
      await reviewer.reload();
      const paymentRow = await taskRow(reviewer, payment.id);
      if (payment.access === 'candidate') await paymentRow.getByRole('button', { name: 'Claim' }).click();
      await paymentRow.getByRole('button', { name: 'Mark as paid' }).click();
      const payDialog = reviewer.getByRole('dialog');
      expect(await payDialog.getByLabel(/Amount paid/).inputValue()).toBe('210.00');
      expect(await payDialog.getByLabel(/Paid on/).inputValue()).toBe(new Date().toISOString().slice(0, 10));
      await payDialog.getByLabel(/Payment reference/).fill('SEPA-2026-0107');
      await shoot(reviewer, 'payment-dialog');
      await payDialog.getByRole('button', { name: 'Mark as paid' }).click();
      await reviewer.getByTestId('outcome').waitFor();
      await invoiceWhen(clerkToken, invoiceId, (invoice) => invoice.status === 'paid', 'the invoice paid');

      await Promise.all([clerk, reviewer].map((page) => page.context().close()));
    } finally {
      await api('PUT', '/policies/matching', adminToken, policy);
    }
  });
});
