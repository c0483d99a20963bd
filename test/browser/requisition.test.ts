import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * Requisitions end to end in Chromium: the requester's form, the manager's
 * live inbox (server-sent events), the requisition page with its approval
 * chain, and the e-mailed action link, on the real API, database, worker and
 * Temporal server.
 */
const browser = useBrowserStack('requisition');
const { newPage, shoot, signIn, api, login, eventually } = browser;

/** Creates and submits a requisition through the API; answers its number. */
async function submitRequisition(token: string, title: string, unitPrice: string): Promise<{ id: string; number: string }> {
  const created = await api('POST', '/requisitions', token, {
    title,
    purpose: 'daily_operations',
    lines: [{ description: `${title}, one lot`, quantity: '1', unit: 'lot', unitPrice }],
  });
  expect(created.status).toBe(201);
  const submitted = await api('POST', `/requisitions/${created.body.id}/submit`, token);
  expect(submitted.status).toBe(202);
  return { id: created.body.id, number: submitted.body.number };
}

interface OpenTask {
  id: string;
  businessKey: string;
  details: { stepLabel?: string; subject?: { number: string; title: string; facts: { label: string; text?: string; amount?: string; strong?: boolean }[] } };
}

async function openTaskOf(token: string, businessKey: string): Promise<OpenTask | undefined> {
  const { body } = await api('GET', '/tasks?status=open&limit=200', token);
  return (body.items as OpenTask[]).find((task) => task.businessKey === businessKey);
}

/** The requisition page, reloaded until the process has reached `status`. */
/** The task-assigned mail to the manager about a requisition, from the dev outbox, with its rendered parts. */
async function taskMailToManager(managerToken: string, number: string) {
  const mail = await eventually(async () => {
    const { body } = await api('GET', '/outbox?limit=50', managerToken);
    return (body.items as { id: string; template: string; toAddress: string; subject: string }[]).find(
      (item) => item.template === 'task-assigned' && item.toAddress === 'manager@demo.local' && item.subject.includes(number),
    );
  }, 'the task-assigned mail');
  const { body: full } = await api('GET', `/outbox/${mail.id}`, managerToken);
  return { mail, full };
}

async function waitForStatus(page: Page, status: string): Promise<void> {
  await eventually(async () => {
    await page.reload();
    return (await page.locator(`[data-testid="requisition-status"] [data-status="${status}"]`).count()) > 0 ? true : undefined;
  }, `requisition status ${status}`);
}

/** The inbox row of `number`, reloading until its task has arrived. */
async function inboxRow(page: Page, number: string) {
  const row = page.locator('tr', { hasText: number });
  await eventually(async () => {
    if ((await row.count()) > 0) return true;
    await page.reload();
    return undefined;
  }, `${number} in the inbox`);
  return row;
}

/** Decides the task of `number` through its dialog: the row's button, the comment, the dialog's button; then the outcome notice. */
async function decideInDialog(page: Page, number: string, decision: { action: string; field: string; comment: string; done: string; shot?: string }) {
  await (await inboxRow(page, number)).getByRole('button', { name: decision.action }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(decision.field).fill(decision.comment);
  if (decision.shot) await shoot(page, decision.shot);
  await dialog.getByRole('button', { name: decision.action }).click();
  await page.getByTestId('outcome').getByText(`${decision.done} ${number}`).waitFor();
}

describe('requisitions in the browser', { timeout: 90_000 }, () => {
  test('a requester submits through the form; the manager sees it arrive live, approves, and the requester sees it approved', async () => {
    // The manager's inbox is open before anything is submitted.
    const manager = await newPage();
    await signIn(manager, 'manager');
    await manager.getByText('Live', { exact: true }).waitFor();
    await manager.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

    const managerToken = await login('manager');
    const requester = await newPage();
    await signIn(requester, 'requester');
    await requester.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requisitions' }).click();
    await requester.getByRole('link', { name: 'New requisition' }).click();
    await requester.waitForURL((url) => url.pathname === '/requisitions/new');

    await requester.getByLabel('Title').fill('Calibration weights for the test lab');
    await requester.getByLabel(/Needed by/).fill('2026-12-15');
    await requester.getByLabel('Line 1 description').fill('Calibration weight set, class F1');
    await requester.getByLabel('Line 1 quantity').fill('2');
    await requester.getByLabel('Line 1 unit', { exact: true }).fill('set');
    await requester.getByLabel('Line 1 unit price').fill('120.50');
    await requester.getByLabel('Line 1 supplier').selectOption({ label: 'Precision Fasteners GmbH' });
    await requester.getByLabel('Line 1 GL code').fill('6420');
    await requester.getByRole('button', { name: 'Add line' }).click();
    await requester.getByLabel('Line 2 description').fill('Carrying case');
    await requester.getByLabel('Line 2 quantity').fill('3');
    await requester.getByLabel('Line 2 unit price').fill('45.125');
    // 2 x 120.50 + 3 x 45.125 (135.375, rounded half up to 135.38) = 376.38, computed exactly in the browser.
    await expect.poll(() => requester.getByTestId('running-total').textContent()).toBe('376.38');
    expect(await requester.getByTestId('line-amount-2').textContent()).toBe('135.38');
    await shoot(requester, 'new-form');

    await requester.getByRole('button', { name: 'Submit for approval' }).click();
    await requester.waitForURL((url) => /^\/requisitions\/[0-9a-f-]{36}$/.test(url.pathname));
    await requester.getByText('Submitted for approval').waitFor();
    const requisitionUrl = `${browser.stack.url}${new URL(requester.url()).pathname}`;
    const number = (await requester.getByTestId('requisition-number').textContent())?.trim() ?? '';
    expect(number).toMatch(/^REQ-\d{4}-\d+$/);
    expect(await requester.getByTestId('requisition-total').textContent()).toBe('376.38');

    // The task appears in the manager's open inbox through the event stream, without a reload.
    const row = manager.locator('tr', { hasText: number });
    await row.waitFor({ timeout: 20_000 });
    expect(await manager.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expect.poll(() => row.textContent()).toContain('Rita Reyes');
    expect(await row.textContent()).toContain('376.38');

    // What the row says comes from the task itself (details.subject and the step label), not from a requisition fetched beside it.
    const task = await eventually(() => openTaskOf(managerToken, number), 'the manager task');
    const subject = task.details.subject!;
    expect(subject).toMatchObject({ number, title: 'Calibration weights for the test lab' });
    expect(subject.facts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ label: 'Requested by', text: 'Rita Reyes' }),
        expect.objectContaining({ label: 'Total', amount: '376.38', strong: true }),
      ]),
    );
    expect(task.details.stepLabel).toMatch(/^Line manager step/);
    expect(await row.getByTestId('step-label').textContent()).toBe(task.details.stepLabel);
    expect(await row.getByRole('link', { name: subject.title }).getAttribute('href')).toBe(new URL(requisitionUrl).pathname);
    expect(await row.locator('td.about').textContent()).toContain('Rita Reyes');
    expect((await row.locator('td.amount').textContent())?.trim()).toBe('376.38');
    await shoot(manager, 'inbox');

    await manager.getByRole('button', { name: `Approve ${number}` }).click();
    await manager.getByTestId('outcome').getByText(`Approved ${number}`).waitFor();
    await expect.poll(() => row.count()).toBe(0);
    await shoot(manager, 'inbox-approved');

    await requester.goto(requisitionUrl);
    await waitForStatus(requester, 'approved');
    const chain = requester.getByTestId('approval-chain');
    expect(await chain.textContent()).toContain('Marco Meyer');
    expect(await chain.locator('[data-step-status="approved"]').count()).toBe(1);
    await shoot(requester, 'page-approved');

    // The list links the requisition and shows its status; the manager's view of everyone's names the requester.
    await requester.goto(`${browser.stack.url}/requisitions`);
    const listed = requester.getByTestId('requisition-list').locator('tr', { hasText: number });
    expect(await listed.getByRole('link', { name: 'Calibration weights for the test lab' }).getAttribute('href')).toBe(new URL(requisitionUrl).pathname);
    expect(await listed.locator('[data-status]').getAttribute('data-status')).toBe('approved');
    await shoot(requester, 'requisitions-list');
    await manager.goto(`${browser.stack.url}/requisitions?scope=all`);
    await manager.getByTestId('requisition-list').locator('tr', { hasText: number }).getByText('Rita Reyes').waitFor();
    await shoot(manager, 'requisitions-list-all');
    await manager.context().close();
    await requester.context().close();
  });

  test('rejecting asks for a reason in a dialog, and the requester reads it in the approval chain', async () => {
    const requesterToken = await login('requester');
    const { id, number } = await submitRequisition(requesterToken, 'Second monitor for CAD work', '289.00');

    const manager = await newPage();
    await signIn(manager, 'manager');
    await decideInDialog(manager, number, { action: 'Reject', field: 'Reason', comment: 'We have spare monitors in IT stores; ask there first.', done: 'Rejected', shot: 'reject-dialog' });

    const requester = await newPage();
    await signIn(requester, 'requester');
    await requester.goto(`${browser.stack.url}/requisitions/${id}`);
    await waitForStatus(requester, 'rejected');
    const chain = requester.getByTestId('approval-chain');
    expect(await chain.textContent()).toContain('We have spare monitors in IT stores');
    await manager.context().close();
    await requester.context().close();
  });

  test('a question goes to the requester’s inbox as an answer step showing the question; the answer returns the step to the approver', async () => {
    const requesterToken = await login('requester');
    const managerToken = await login('manager');
    const { id, number } = await submitRequisition(requesterToken, 'Safety goggles for the workshop', '96.00');

    const manager = await newPage();
    await signIn(manager, 'manager');
    await decideInDialog(manager, number, { action: 'Ask a question', field: 'Message', comment: 'Do the goggles fit over prescription glasses?', done: 'Asked a question' });

    // The requester's step is another kind, shown by the same row: the question, the step, and the amend link only a requisition has.
    const requester = await newPage();
    await signIn(requester, 'requester');
    const row = await inboxRow(requester, number);
    expect(await row.getByTestId('step-label').textContent()).toBe('Answer the approver’s question');
    expect(await row.textContent()).toContain('Do the goggles fit over prescription glasses?');
    expect(await row.getByRole('link', { name: 'Amend' }).getAttribute('href')).toBe(`/requisitions/${id}/edit`);
    await shoot(requester, 'inbox-answer');

    await decideInDialog(requester, number, { action: 'Answer', field: 'Comment', comment: 'Yes, they are the over-glasses model.', done: 'Answered' });
    await eventually(() => openTaskOf(managerToken, number), 'the step back with the approver');
    await manager.context().close();
    await requester.context().close();
  });

  test('an e-mailed action link: opening it changes nothing, confirming approves once, a second use is refused', async () => {
    const requesterToken = await login('requester');
    const managerToken = await login('manager');
    const { id, number } = await submitRequisition(requesterToken, 'Replacement drill bits', '64.90');

    // The task-assigned mail to the manager, from the dev outbox, and the action link in it.
    const { mail, full } = await taskMailToManager(managerToken, number);
    const link = /https?:\/\/[^\s"'<>]+\/action\/[\w.-]+/.exec(full.text as string)?.[0];
    expect(link).toBeTruthy();
    const actionUrl = `${browser.stack.url}${new URL(link!).pathname}`;
    const task = await eventually(() => openTaskOf(managerToken, number), 'the manager task');

    // Opened by someone not signed in (or a mail scanner): a confirmation page, and the task is still open.
    const visitor = await newPage();
    await visitor.goto(actionUrl);
    const confirm = visitor.getByRole('button', { name: `Approve ${number} as Marco Meyer` });
    await confirm.waitFor();
    expect(await visitor.getByText('Replacement drill bits').count()).toBeGreaterThan(0);
    expect((await api('GET', `/tasks/${task.id}`, managerToken)).body.status).toBe('open');
    await shoot(visitor, 'action-confirm');

    await confirm.click();
    await visitor.getByTestId('action-done').waitFor();
    expect(await visitor.getByRole('heading', { level: 1 }).textContent()).toBe('Approved');
    await shoot(visitor, 'action-done');
    await eventually(async () => ((await api('GET', `/tasks/${task.id}`, managerToken)).body.status === 'completed' ? true : undefined), 'the task completed');
    expect((await api('GET', `/requisitions/${id}`, requesterToken)).body.status).toBe('approved');

    // The same link again: a clear page, and nothing changes. No page of this flow set a cookie.
    await visitor.goto(actionUrl);
    await visitor.getByRole('heading', { name: 'This link was already used' }).waitFor();
    expect(await visitor.getByTestId('action-refused').getAttribute('data-reason')).toBe('used');
    expect(await visitor.context().cookies()).toEqual([]);
    await shoot(visitor, 'action-used');

    // The outbox in the app, with the mail rendered in a sandboxed frame.
    const manager = await newPage();
    await signIn(manager, 'manager');
    await manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
    await manager.getByTestId('outbox-list').waitFor();
    await shoot(manager, 'outbox');
    await manager.getByRole('link', { name: mail.subject }).click();
    const frame = manager.locator('iframe[title="Mail body"]');
    expect(await frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    await manager.frameLocator('iframe[title="Mail body"]').getByRole('link', { name: 'Approve' }).waitFor();
    await shoot(manager, 'outbox-mail');
    await visitor.context().close();
    await manager.context().close();
  });

  test('a reject link asks for the reason on its confirm page; without one nothing happens and the link stays usable', async () => {
    const requesterToken = await login('requester');
    const managerToken = await login('manager');
    const { id, number } = await submitRequisition(requesterToken, 'Gold-plated stapler', '120.00');
    const { full } = await taskMailToManager(managerToken, number);
    // Every action of the kind has its own link in the mail.
    const text = full.text as string;
    const rejectLink = /Reject:\s*\n\s*(https?:\/\/\S+\/action\/[\w.-]+)/.exec(text)?.[1];
    expect(rejectLink, text).toBeTruthy();
    expect(text).toMatch(/Ask a question:\s*\n\s*https?:\/\/\S+\/action\//);

    const visitor = await newPage();
    await visitor.goto(`${browser.stack.url}${new URL(rejectLink!).pathname}`);
    const reason = visitor.getByTestId('link-comment');
    await reason.waitFor();
    expect(await reason.getAttribute('required')).not.toBeNull();
    // The browser's own check would stop an empty reason; the server must refuse it too.
    await reason.evaluate((element: { removeAttribute(name: string): void }) => {
      element.removeAttribute('required');
    });
    await visitor.getByRole('button', { name: `Reject ${number} as Marco Meyer` }).click();
    await visitor.getByRole('alert').filter({ hasText: 'Please say why' }).waitFor();
    expect((await api('GET', `/requisitions/${id}`, requesterToken)).body.status).toBe('under_review');
    await shoot(visitor, 'action-reject-needs-reason');

    await visitor.getByTestId('link-comment').fill('We have staplers.');
    await visitor.getByRole('button', { name: `Reject ${number} as Marco Meyer` }).click();
    await visitor.getByTestId('action-done').waitFor();
    expect(await visitor.getByRole('heading', { level: 1 }).textContent()).toBe('Rejected');
    await shoot(visitor, 'action-reject-done');
    const rejected = await eventually(async () => {
      const view = (await api('GET', `/requisitions/${id}`, requesterToken)).body as { status: string; steps: { comment: string | null }[] };
      return view.status === 'rejected' ? view : undefined;
    }, 'the requisition rejected');
    expect(rejected.steps[0]!.comment).toBe('We have staplers.');
    await visitor.context().close();
  });

  test('out of office: the manager names a delegate, who then sees the manager’s tasks as delegate', async () => {
    const manager = await newPage();
    await signIn(manager, 'manager');
    await manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Out of office' }).click();
    await manager.getByRole('heading', { name: 'Plan an absence' }).waitFor();
    const picker = manager.getByRole('combobox');
    await picker.fill('Priya');
    await manager.getByRole('option', { name: /Priya Patel/ }).click();
    await manager.getByRole('button', { name: 'Save out-of-office' }).click();
    await manager.getByTestId('ooo-current').waitFor();
    expect(await manager.getByTestId('ooo-current').textContent()).toContain('Priya Patel');
    await shoot(manager, 'out-of-office');

    const requesterToken = await login('requester');
    const { number } = await submitRequisition(requesterToken, 'Label printer ribbons', '38.00');
    const delegate = await newPage();
    await signIn(delegate, 'procurement_manager');
    const row = await inboxRow(delegate, number);
    expect(await row.textContent()).toContain('As delegate for Marco Meyer');

    await manager.getByRole('button', { name: 'Cancel period' }).or(manager.getByRole('button', { name: "I'm back" })).click();
    await manager.getByText('Out of office ended').waitFor();
    await manager.context().close();
    await delegate.context().close();
  });
});
