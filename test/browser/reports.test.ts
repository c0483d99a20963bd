import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * Dashboards, reports, budgets and exports in Chromium (issue #16): data made
 * through the processes (requisitions approved, orders issued and received,
 * one invoice approved and one held on its price, budgets set over the API
 * and on the budgets page); each dashboard role's home page, the manager's
 * updating live when a new approval reaches them; the finance director's
 * seven reports, a refused filter shown at its field, and the CSV, XLSX and
 * PDF downloaded through the page's buttons. Real API, database, worker and
 * Temporal server.
 */
const browser = useBrowserStack('reports');
const { newPage, shoot, signIn, api, login, eventually } = browser;

const year = new Date().getUTCFullYear();
const today = () => new Date().toISOString().slice(0, 10);
const range = `from=${year}-01-01&to=${year}-12-31`;

interface Order {
  id: string;
  number: string | null;
  status: string;
  lines: { id: string }[];
}
interface Line {
  description: string;
  quantity: string;
  unitPrice: string;
  glCode: string;
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

/** A requisition by Rita, submitted: its number and id. */
async function submittedRequisition(title: string, supplierId: string, lines: Line[], projectId?: string): Promise<{ id: string; number: string }> {
  const requester = await login('requester');
  const purpose = projectId ? { purpose: 'project', projectId } : { purpose: 'daily_operations' };
  const created = await api('POST', '/requisitions', requester, { title, ...purpose, lines: lines.map((line) => ({ ...line, unit: 'each', supplierId })) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const submitted = await api('POST', `/requisitions/${created.body.id}/submit`, requester);
  expect(submitted.status).toBe(202);
  return { id: created.body.id as string, number: submitted.body.number as string };
}

/** An order approved, sent at the requisition's prices (5% tax) and, with `receive`, received in full. */
async function issuedOrder(title: string, supplierId: string, lines: Line[], options: { projectId?: string; receive: boolean }): Promise<Order> {
  const [buyerToken, warehouseToken] = (await Promise.all(['buyer', 'warehouse'].map(login))) as [string, string];
  const requisition = await submittedRequisition(title, supplierId, lines, options.projectId);
  await approveRequisition(requisition.id, requisition.number);
  const draft = await eventually(async () => {
    const { body } = await api('GET', `/purchase-orders?requisitionId=${requisition.id}`, buyerToken);
    return (body.items as Order[])[0];
  }, 'the draft order');
  const prepareTask = await eventually(async () => {
    const { body } = await api('GET', '/tasks?status=open&kind=po_prepare&limit=200', buyerToken);
    return (body.items as { id: string; subjectId: string; assigneeId: string | null }[]).find((task) => task.subjectId === draft.id);
  }, 'the prepare task');
  if (!prepareTask.assigneeId) await api('POST', `/tasks/${prepareTask.id}/claim`, buyerToken);
  const { body: full } = await api('GET', `/purchase-orders/${draft.id}`, buyerToken);
  const prepared = await api('POST', `/tasks/${prepareTask.id}/complete`, buyerToken, {
    action: 'prepare',
    data: { deliveryDate: `${year + 1}-02-01`, deliveryAddress: 'Dock 2, Springfield', lines: (full as Order).lines.map((line, index) => ({ lineId: line.id, unitPrice: lines[index]!.unitPrice, taxRate: '5' })) },
  });
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  const issued = await eventually(async () => {
    const { body } = await api('GET', `/purchase-orders/${draft.id}`, buyerToken);
    return (body as Order).status === 'issued' ? (body as Order) : undefined;
  }, 'the order issued');
  if (!options.receive) return issued;
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

/** An invoice for the order's lines at the prices given, 5% tax: approved when it matches, held when a price is off. */
async function invoice(order: Order, supplierId: string, number: string, lines: { quantity: string; unitPrice: string }[], expected: 'approved' | 'on_hold'): Promise<void> {
  const token = await login('accountant');
  const net = lines.reduce((sum, line) => sum + Math.round(Number(line.quantity) * Number(line.unitPrice) * 100), 0);
  const tax = Math.round(net * 0.05);
  const created = await api('POST', '/invoices', token, {
    supplierId,
    invoiceNumber: number,
    invoiceDate: today(),
    purchaseOrderId: order.id,
    lines: lines.map((line, index) => ({ purchaseOrderLineId: order.lines[index]!.id, ...line })),
    taxAmount: (tax / 100).toFixed(2),
    total: ((net + tax) / 100).toFixed(2),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await eventually(async () => {
    const { body } = await api('GET', `/invoices/${created.body.id}`, token);
    return body.status === expected ? true : undefined;
  }, `invoice ${number} ${expected}`, 45_000);
}

const section = (page: Page, role: string) => page.getByTestId(`dashboard-${role}`);
const tileValue = (page: Page, role: string, key: string) => section(page, role).getByTestId(`tile-${key}`).getByTestId('tile-value').textContent();

describe('reports and dashboards in the browser', { timeout: 420_000 }, () => {
  test('each role’s dashboard, live for the approver; the seven reports; budgets set on their page; CSV, XLSX and PDF downloaded', async () => {
    const [buyerToken, adminToken, requesterToken] = (await Promise.all(['buyer', 'admin', 'requester'].map(login))) as [string, string, string];
    const { body: suppliers } = await api('GET', '/suppliers?limit=200', buyerToken);
    const supplierId = (name: string) => (suppliers.items as { id: string; name: string }[]).find((supplier) => supplier.name === name)!.id;
    const acme = supplierId('Acme Industrial Supply');
    const nordic = supplierId('Nordic Bearings AB');
    const { body: projects } = await api('GET', '/projects', requesterToken);
    const project = (projects.items as { id: string; code: string; name: string }[])[0]!;

    // Two orders through the whole process: one for the project, invoiced as ordered (approved); one held on its price.
    const [projectOrder, heldOrder] = await Promise.all([
      issuedOrder('Tooling for the retrofit', acme, [
        { description: 'Torque wrench', quantity: '10', unitPrice: '20.00', glCode: '6100' },
        { description: 'Socket set', quantity: '4', unitPrice: '50.00', glCode: '6200' },
      ], { projectId: project.id, receive: true }),
      issuedOrder('Bearings for press 2', nordic, [{ description: 'Ball bearing 6204', quantity: '3', unitPrice: '100.00', glCode: '6100' }], { receive: true }),
    ]);
    await Promise.all([
      invoice(projectOrder, acme, 'AC-1001', [{ quantity: '10', unitPrice: '20.00' }, { quantity: '4', unitPrice: '50.00' }], 'approved'),
      invoice(heldOrder, nordic, 'NB-2002', [{ quantity: '3', unitPrice: '110.00' }], 'on_hold'),
    ]);
    // An order issued and not yet delivered (awaiting receipt), and a requisition approved whose order the buyer has still to prepare.
    const fasteners = await issuedOrder('Fasteners for line 4', supplierId('Precision Fasteners GmbH'), [{ description: 'M8 bolts, box of 100', quantity: '6', unitPrice: '45.00', glCode: '6300' }], { receive: false });
    const toOrder = await submittedRequisition('Cable trays', acme, [{ description: 'Cable tray 2 m', quantity: '12', unitPrice: '15.00', glCode: '6300' }]);
    await approveRequisition(toOrder.id, toOrder.number);

    // Budgets over the API: the year on 6100 company-wide, and the project's year.
    for (const body of [{ glCode: '6100', period: String(year), amount: '5000.00' }, { projectId: project.id, period: String(year), amount: '2000.00' }, { glCode: '6400', period: `${year}-12`, amount: '100.00' }]) {
      const response = await api('PUT', '/budgets', adminToken, body);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }

    // The admin sets one on the budgets page: refused at the project without a project or code, then a quarter of 6200.
    const admin = await newPage();
    await signIn(admin, 'admin');
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Budgets' }).click();
    await admin.waitForURL((url) => url.pathname === '/budgets');
    const budgetForm = admin.getByTestId('budget-form');
    await budgetForm.getByLabel(/^Period/).fill(`${year}-Q4`);
    await budgetForm.getByLabel(/^Amount/).fill('1500.00');
    await budgetForm.getByRole('button', { name: 'Set budget' }).click();
    await budgetForm.locator('.field-error').filter({ hasText: /project, a GL code or both/ }).waitFor();
    expect(await budgetForm.getByLabel('Project').getAttribute('aria-invalid')).toBe('true');
    await budgetForm.getByLabel('GL / cost code').fill('6200');
    await budgetForm.getByRole('button', { name: 'Set budget' }).click();
    const quarterRow = admin.getByTestId('budget-list').locator('tr', { hasText: `${year}-Q4` });
    await quarterRow.waitFor();
    expect(await quarterRow.textContent()).toContain('1,500.00');
    // Changed: the row's values come into the form; the same scope and period again changes the amount.
    await quarterRow.getByRole('button', { name: /^Change the budget/ }).click();
    expect(await budgetForm.getByLabel(/^Amount/).inputValue()).toBe('1500.00');
    await budgetForm.getByLabel(/^Amount/).fill('1800.00');
    await budgetForm.getByRole('button', { name: 'Save budget' }).click();
    await quarterRow.getByText('1,800.00').waitFor();
    // Deleted, after a confirmation in the row: December's 6400.
    const decemberRow = admin.getByTestId('budget-list').locator('tr', { hasText: `${year}-12` });
    await decemberRow.getByRole('button', { name: /^Delete the budget/ }).click();
    await decemberRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await admin.getByText('Budget deleted.').waitFor();
    expect(await decemberRow.count()).toBe(0);
    // 6100 for the year: the held invoice is not approved, so its order line stays committed (300.00); nothing of it is actual.
    const yearRow = admin.getByTestId('budget-list').locator('tr', { hasText: '6100' }).filter({ hasText: String(year) }).first();
    expect(await yearRow.textContent()).toContain('5,000.00');
    expect(await yearRow.textContent()).toContain('300.00');
    await shoot(admin, 'budgets-admin');

    // The approver's dashboard moves when a new approval reaches Marco, without a reload.
    const manager = await newPage();
    await signIn(manager, 'manager');
    await manager.goto(`${browser.stack.url}/`);
    await section(manager, 'approver').waitFor();
    await manager.getByTestId('dashboard-live').getByText('Live').waitFor();
    const before = Number(await tileValue(manager, 'approver', 'waiting'));
    const waiting = await submittedRequisition('Safety gloves', acme, [{ description: 'Cut-resistant gloves, pair', quantity: '40', unitPrice: '6.50', glCode: '6400' }]);
    await expect.poll(async () => Number(await tileValue(manager, 'approver', 'waiting')), { timeout: 30_000 }).toBe(before + 1);
    await manager.getByTestId('dashboard-live').getByText(/Updated/).waitFor();
    await section(manager, 'approver').getByTestId('list-approver-oldest').waitFor();
    await shoot(manager, 'dashboard-approver');

    // The requester sees where that request waits.
    const requester = await newPage();
    await signIn(requester, 'requester');
    await requester.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await requester.waitForURL((url) => url.pathname === '/');
    await section(requester, 'requester').getByTestId('list-requester-waiting').getByText(waiting.number).waitFor();
    expect(Number(await tileValue(requester, 'requester', 'in_approval'))).toBeGreaterThanOrEqual(1);
    // Requesters read no reports: no Reports in their navigation.
    expect(await requester.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).count()).toBe(0);
    await shoot(requester, 'dashboard-requester');

    // The chart's numbers as a table, behind a keyboard-reachable toggle.
    const statusChart = section(requester, 'requester').getByTestId('chart-requester-by_status');
    await statusChart.locator('svg').first().waitFor();
    await statusChart.getByRole('button', { name: 'Table' }).focus();
    await requester.keyboard.press('Enter');
    expect(await statusChart.getByRole('button', { name: 'Table' }).getAttribute('aria-pressed')).toBe('true');
    await statusChart.getByRole('table').getByRole('rowheader', { name: 'In approval' }).waitFor();
    await shoot(requester, 'dashboard-requester-table');

    const buyer = await newPage();
    await signIn(buyer, 'buyer');
    await buyer.goto(`${browser.stack.url}/`);
    await section(buyer, 'buyer').waitFor();
    expect(Number(await tileValue(buyer, 'buyer', 'lines_to_order'))).toBeGreaterThanOrEqual(1);
    const awaiting = Number(await tileValue(buyer, 'buyer', 'awaiting_receipt'));
    expect(awaiting).toBeGreaterThanOrEqual(1);
    await section(buyer, 'buyer').getByTestId('chart-buyer-open_by_supplier').locator('svg').first().waitFor();
    await shoot(buyer, 'dashboard-buyer');
    // The warehouse receives the fasteners: no task of the buyer's moves, the order does, and so does the buyer's page, without a reload.
    await buyer.getByTestId('dashboard-live').getByText(/Live|Updated/).waitFor();
    const received = await api('POST', '/receipts', await login('warehouse'), { purchaseOrderId: fasteners.id, location: 'A-02', lines: [{ purchaseOrderLineId: fasteners.lines[0]!.id, quantityReceived: '6' }] });
    expect(received.status, JSON.stringify(received.body)).toBe(201);
    await expect.poll(async () => Number(await tileValue(buyer, 'buyer', 'awaiting_receipt')), { timeout: 30_000 }).toBe(awaiting - 1);

    const accountant = await newPage();
    await signIn(accountant, 'accountant');
    await accountant.goto(`${browser.stack.url}/`);
    await section(accountant, 'accountant').waitFor();
    expect(Number(await tileValue(accountant, 'accountant', 'on_hold'))).toBeGreaterThanOrEqual(1);
    await section(accountant, 'accountant').getByTestId('chart-accountant-holds').getByText('Open holds by reason').waitFor();
    await shoot(accountant, 'dashboard-accountant');

    const finance = await newPage();
    await signIn(finance, 'finance_director');
    await finance.goto(`${browser.stack.url}/`);
    await section(finance, 'finance_director').waitFor();
    await section(finance, 'finance_director').getByTestId('chart-finance_director-monthly').locator('svg').first().waitFor();
    // Spend against budget reads the summary the `report-summaries` Schedule refreshes (every 30 s; here its workflow runs as the
    // Schedule would start it): the page shows as of when, and moves when a refresh changes the figures.
    await finance.getByTestId('dashboard-live').getByText(/Live|Updated/).waitFor();
    const asOf = await finance.getByTestId('as-of-finance_director').textContent();
    const actualBefore = await tileValue(finance, 'finance_director', 'actual');
    await browser.stack.engine.client.workflow.execute('reportSummariesWorkflow', { taskQueue: browser.stack.engine.taskQueue, workflowId: `report-summaries-${Date.now()}`, args: [] });
    await expect.poll(() => finance.getByTestId('as-of-finance_director').textContent(), { timeout: 30_000 }).not.toBe(asOf);
    expect(await tileValue(finance, 'finance_director', 'actual')).not.toBe(actualBefore);
    await shoot(finance, 'dashboard-finance-director');

    // The reports: the index, then each one for this year (project details for the project).
    await finance.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await finance.waitForURL((url) => url.pathname === '/reports');
    expect(await finance.getByTestId('report-index').getByRole('link').count()).toBe(7);
    await shoot(finance, 'index');
    const reports: [string, string, string[]][] = [
      ['spend-by-gl', range, ['spend']],
      ['supplier-performance', range, ['suppliers']],
      ['budget-vs-actual', range, ['projects']],
      ['approval-bottleneck', range, ['levels', 'cycle']],
      ['po-summary', range, ['months']],
      ['project-details', `${range}&projectId=${project.id}`, []],
      ['ap-health', range, ['holds']],
    ];
    for (const [name, query, charted] of reports) {
      await finance.goto(`${browser.stack.url}/reports/${name}?${query}`);
      await finance.getByTestId('report-period').waitFor();
      for (const key of charted) await finance.getByTestId(`report-chart-${key}`).locator('svg').first().waitFor();
      await shoot(finance, name);
    }
    // Spend by GL: the figures the records make (6100: 5,000.00 budget; 200.00 invoiced on the project order).
    await finance.goto(`${browser.stack.url}/reports/spend-by-gl?${range}`);
    const row6100 = finance.getByTestId('report-table-spend').locator('tbody tr', { hasText: '6100' });
    expect(await row6100.locator('td').nth(1).textContent()).toBe('5,000.00');
    expect(await row6100.locator('td').nth(3).textContent()).toBe('200.00');
    const projectDetails = `${browser.stack.url}/reports/project-details?${range}&projectId=${project.id}`;
    await finance.goto(projectDetails);
    await finance.getByTestId('report-table-records').getByText(projectOrder.number!).first().waitFor();

    // A range ending before it starts: the API's refusal under the "To" filter, no export offered.
    await finance.goto(`${browser.stack.url}/reports/po-summary?from=${year}-06-01&to=${year}-05-01`);
    await finance.getByTestId('filter-to-error').waitFor();
    expect(await finance.getByLabel('To', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await finance.getByTestId('export-csv').count()).toBe(0);
    await shoot(finance, 'refused-range');
    // Project details without a project: the filter asks for one.
    await finance.goto(`${browser.stack.url}/reports/project-details`);
    await finance.getByText('Choose a project above').waitFor();

    // The filters are kept in the URL: a GL code applied from the bar.
    await finance.goto(`${browser.stack.url}/reports/spend-by-gl?${range}`);
    await finance.getByRole('textbox', { name: 'GL / cost code' }).fill('6100');
    await finance.getByRole('button', { name: 'Apply' }).click();
    await finance.waitForURL((url) => url.searchParams.get('glCode') === '6100' && url.searchParams.get('from') === `${year}-01-01`);
    await finance.getByTestId('report-table-spend').locator('tbody tr').first().waitFor();
    expect(await finance.getByTestId('report-table-spend').locator('tbody tr').count()).toBe(1);

    // Downloads through the page's buttons, with the filters applied.
    const download = async (format: string) => {
      const [file] = await Promise.all([finance.waitForEvent('download'), finance.getByTestId(`export-${format}`).click()]);
      return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
    };
    const csv = await download('csv');
    expect(csv.name).toMatch(/\.csv$/);
    expect(csv.bytes.toString('utf8').split(/\r?\n/)[0]).toBe('Report,Spend by GL / cost code');
    expect(csv.bytes.toString('utf8')).toContain('GL code 6100');

    const xlsx = await download('xlsx');
    expect(xlsx.name).toMatch(/\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const about = workbook.getWorksheet('About')!;
    expect(about.getCell('A1').value).toBe('Report');
    expect(about.getCell('B1').value).toBe('Spend by GL / cost code');
    expect(about.getCell('B3').value).toMatch(/by Fiona Finch$/);
    const sheet = workbook.getWorksheet('Spend by GL   cost code')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('GL / cost code');
    const code = sheet.getRows(2, sheet.rowCount - 1)!.find((row) => row.getCell(1).value === '6100')!;
    expect(code.getCell(2).value).toBe(5000);
    expect(code.getCell(2).type).toBe(ExcelJS.ValueType.Number);
    expect(code.getCell(4).value).toBe(200);

    const pdf = await download('pdf');
    expect(pdf.name).toMatch(/\.pdf$/);
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // Budgets as a report reader sees them: the figures, no editing.
    await finance.goto(`${browser.stack.url}/budgets?year=${year}`);
    await finance.getByTestId('budget-list').waitFor();
    expect(await finance.getByTestId('budget-form').count()).toBe(0);
    expect(await finance.getByRole('button', { name: /^Change the budget/ }).count()).toBe(0);
    await shoot(finance, 'budgets-reader');
  });
});
