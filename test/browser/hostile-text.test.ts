import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * HTML typed into names, titles and comments is shown as the text it is, in
 * every place a person reads it: the inbox, the requisition page and its
 * approval chain, the list, the auditor's timeline and the mails (whose HTML
 * part escapes it, and which the outbox shows in a sandboxed frame). Each
 * payload would set window.__xss or add an <img src="x"> if it ever ran.
 */
const browser = useBrowserStack('hostile-text');
const { newPage, signIn, api, login, eventually } = browser;

const name = '<img src="x" onerror="window.__xss=\'name\'">Rita';
const title = '<script>window.__xss="title"</script><img src="x" onerror="window.__xss=\'title\'"> toner';
const description = '<b>bold</b><iframe src="javascript:window.__xss=1"></iframe>';
const comment = '<img src="x" onerror="window.__xss=\'comment\'"><a href="javascript:window.__xss=1">click</a>';

/** Nothing ran, nothing became markup, and the text is there as typed. */
async function expectInert(page: Page, ...texts: string[]): Promise<void> {
  await page.waitForLoadState('networkidle');
  expect(await page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"], iframe[src^="javascript:"], a[href^="javascript:"], b:text-is("bold")').count()).toBe(0);
  const shown = await page.locator('body').innerText();
  for (const text of texts) expect(shown).toContain(text);
}

describe('hostile text in the web app and the mails', () => {
  test('names, titles and comments with HTML stay text in the inbox, the requisition, the list, the timeline and the mails', async () => {
    const [admin, manager] = await Promise.all([login('admin'), login('manager')]);
    const requesterId = (await api('GET', '/users/directory?q=requester@demo.local', admin)).body.items[0].id as string;
    expect((await api('PATCH', `/users/${requesterId}`, admin, { name })).status).toBe(200);
    const requester = await login('requester');
    const created = await api('POST', '/requisitions', requester, { title, purpose: 'daily_operations', lines: [{ description, quantity: '2', unitPrice: '35.00' }] });
    expect(created.status).toBe(201);
    const submitted = await api('POST', `/requisitions/${created.body.id}/submit`, requester);
    expect(submitted.status).toBe(202);
    const { number, workflowId } = submitted.body as { number: string; workflowId: string };

    const alerts: string[] = [];
    const watch = (page: Page) => page.on('dialog', (dialog) => void dialog.dismiss().then(() => alerts.push(dialog.message())));

    // The manager's inbox lists the task under its hostile title.
    const task = await eventually(async () => {
      const { body } = await api('GET', '/tasks?status=open&limit=200', manager);
      return (body.items as { id: string; businessKey: string }[]).find((item) => item.businessKey === number);
    }, 'the manager’s task');
    const managerPage = await newPage();
    watch(managerPage);
    await signIn(managerPage, 'manager');
    await managerPage.goto(`${browser.stack.url}/inbox`);
    await expectInert(managerPage, number, 'toner');

    // The mail about it escapes every field in its HTML part.
    const mail = await eventually(async () => {
      const { body } = await api('GET', `/outbox?processId=${workflowId}&limit=50`, manager);
      return (body.items as { id: string; template: string }[]).find((item) => item.template === 'task-assigned');
    }, 'the task mail');
    const { body: mailBody } = await api('GET', `/outbox/${mail.id}`, manager);
    expect(mailBody.html).not.toMatch(/<script>window|<img src="x"|<b>bold<\/b>/);
    expect(mailBody.html).toContain('&lt;script&gt;window.__xss&#x3D;&quot;title&quot;&lt;/script&gt;');

    // Rejected with a hostile comment: the requester's page shows title, lines, chain and comment as text.
    expect((await api('POST', `/tasks/${task.id}/complete`, manager, { action: 'reject', comment })).status).toBe(200);
    const requesterPage = await newPage();
    watch(requesterPage);
    await signIn(requesterPage, 'requester');
    await requesterPage.goto(`${browser.stack.url}/requisitions/${created.body.id}`);
    await eventually(async () => {
      await requesterPage.reload();
      return (await requesterPage.locator('body').innerText()).includes('click') ? true : undefined;
    }, 'the rejection on the requisition page');
    await expectInert(requesterPage, '<script>window.__xss="title"</script>', '<b>bold</b>', '<a href="javascript:window.__xss=1">click</a>');
    await requesterPage.goto(`${browser.stack.url}/requisitions`);
    await expectInert(requesterPage, 'toner');

    // The decision mail to the requester, as the outbox page shows it.
    const decision = await eventually(async () => {
      const { body } = await api('GET', `/outbox?processId=${workflowId}&limit=50`, requester);
      return (body.items as { id: string; template: string }[]).find((item) => item.template === 'decision');
    }, 'the decision mail');
    const { body: decisionBody } = await api('GET', `/outbox/${decision.id}`, requester);
    expect(decisionBody.html).not.toMatch(/<img src="x"|<a href="javascript/);
    await requesterPage.goto(`${browser.stack.url}/outbox/${decision.id}`);
    await expectInert(requesterPage);
    expect(await requesterPage.frameLocator('iframe').locator('img[src="x"], a[href^="javascript:"]').count()).toBe(0);

    // The auditor's timeline names the requester and quotes the comment as text.
    const auditorPage = await newPage();
    watch(auditorPage);
    await signIn(auditorPage, 'auditor');
    await auditorPage.goto(`${browser.stack.url}/audit/processes/${workflowId}`);
    await expectInert(auditorPage, 'Rita');

    expect(alerts).toEqual([]);
  }, 120_000);
});
