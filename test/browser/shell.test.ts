import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * The web shell end to end: real API, real database with demo data, the
 * built SvelteKit app, driven through Debian's Chromium.
 */
const browser = useBrowserStack('shell');
const { newPage, shoot } = browser;
const PASSWORD = browser.password;

async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in and waits for the inbox; a refusal fails with the message the page showed. */
async function signIn(page: Page, email: string): Promise<void> {
  await fillSignIn(page, email, PASSWORD);
  const alert = page.getByRole('alert');
  await alert.or(page.getByTestId('user-name')).waitFor();
  if (await alert.isVisible()) throw new Error(`sign-in as ${email} refused: ${await alert.textContent()}`);
  await page.waitForURL((url) => url.pathname === '/inbox');
}

describe('web shell', { timeout: 60_000 }, () => {
  test('an anonymous visitor is sent to sign-in and a wrong password is refused', async () => {
    const page = await newPage();
    await page.goto(`${browser.stack.url}/inbox`);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/inbox');
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await shoot(page, 'login');

    await fillSignIn(page, 'requester@demo.local', 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).not.toBe('');
    expect(new URL(page.url()).pathname).toBe('/login');
    await shoot(page, 'login-failed');
    await page.context().close();
  });

  test('a requester lands on their empty inbox and sees no Users link', async () => {
    const page = await newPage();
    await page.goto(`${browser.stack.url}/inbox`);
    await page.waitForURL((url) => url.pathname === '/login');
    await signIn(page, 'requester@demo.local');

    const name = await page.getByTestId('user-name').textContent();
    expect(name?.trim()).toBeTruthy();
    await page.getByText('Nothing waiting for you').waitFor();

    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Inbox' }).count()).resolves.toBe(1);
    await expect(nav.getByRole('link', { name: 'Account' }).count()).resolves.toBe(1);
    await expect(nav.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);
    await shoot(page, 'inbox-requester');

    // An unknown address shows a clear page with a way back, not a blank screen.
    await page.goto(`${browser.stack.url}/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await expect(page.getByRole('link', { name: 'Go to your inbox' }).count()).resolves.toBe(1);
    await shoot(page, 'not-found');
    await page.getByRole('link', { name: 'Go to your inbox' }).click();
    await page.getByText('Nothing waiting for you').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await page.goto(`${browser.stack.url}/inbox`);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.context().close();
  });

  test('an administrator sees the Users link and the list of users', async () => {
    const page = await newPage();
    await page.goto(`${browser.stack.url}/login`);
    await signIn(page, 'admin@demo.local');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.waitForURL((url) => url.pathname === '/users');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    const rows = page.getByRole('table').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(1);
    await expect(page.getByRole('cell', { name: /requester@demo\.local/ }).count()).resolves.toBe(1);
    await shoot(page, 'users-admin');

    // Sorting by a header: a click orders A to Z, Enter on the focused header Z to A, a third press restores the API's order.
    const names = () => page.getByRole('table').locator('tbody tr td:first-child .name').allTextContents();
    const apiOrder = await names();
    const byName = [...apiOrder].sort((a, b) => a.localeCompare(b, 'en'));
    const nameHeader = page.getByRole('columnheader', { name: 'Name' });
    await nameHeader.getByRole('button').click();
    await expect.poll(() => nameHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await names()).toEqual(byName);
    await shoot(page, 'users-sorted');
    await page.keyboard.press('Enter');
    await expect.poll(() => nameHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await names()).toEqual([...byName].reverse());
    await page.keyboard.press('Enter');
    await expect.poll(() => nameHeader.getAttribute('aria-sort')).toBe(null);
    expect(await names()).toEqual(apiOrder);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Suppliers' }).click();
    await page.waitForURL((url) => url.pathname === '/suppliers');
    await page.getByRole('table').waitFor();
    await shoot(page, 'suppliers-admin');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.waitForURL((url) => url.pathname === '/account');
    // No token yet: the list shows its empty state, then the new token as its one row.
    await page.getByRole('heading', { name: 'No API tokens' }).waitFor();
    await shoot(page, 'account-no-tokens');
    await page.getByLabel('Token name').fill('Browser test');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    await expect(page.getByRole('table', { name: 'API tokens' }).locator('tbody tr').count()).resolves.toBe(1);
    await shoot(page, 'account-admin');
    await page.context().close();
  });
});
