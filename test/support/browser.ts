import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed.ts';
import { startAppStack, type AppStack } from './app-stack.ts';

export interface ApiAnswer {
  status: number;
  // Read loosely, as in the API tests; the assertions check the shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * Debian's Chromium driving the whole app (built web, API, worker, database,
 * Temporal) for one browser test file; screenshots go to test-results/ with
 * the file's prefix. The parts are ready once beforeAll has run.
 */
export function useBrowserStack(prefix: string) {
  const screenshots = new URL('../../test-results/', import.meta.url);
  let stack: AppStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startAppStack();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    await mkdir(screenshots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** The API as a script would call it: JSON, Bearer token. */
  const api = async (method: string, path: string, token?: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${stack.url}/api/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  };

  return {
    get stack() {
      return stack;
    },
    password: DEMO_PASSWORD,
    /** A fresh browser context per person, so no session cookie leaks between them. */
    newPage: async (options: { acceptDownloads?: boolean } = {}): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...options });
      return context.newPage();
    },
    /** Signs a demo person in through the login form and waits for the inbox. */
    signIn: async (page: Page, who: string): Promise<void> => {
      await page.goto(`${stack.url}/login`);
      await page.getByLabel('Email').fill(`${who}@demo.local`);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/inbox');
    },
    shoot: async (page: Page, name: string): Promise<void> => {
      await page.screenshot({ path: new URL(`${prefix}-${name}.png`, screenshots).pathname, fullPage: true });
    },
    api,
    login: async (who: string): Promise<string> => {
      const { status, body } = await api('POST', '/auth/login', undefined, { email: `${who}@demo.local`, password: DEMO_PASSWORD });
      expect(status).toBe(200);
      return body.token as string;
    },
    /** Polls until `check` answers something; the process runs on its own time. */
    eventually: async <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
