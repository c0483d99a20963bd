// Scratch script (not part of the project): screenshots of the dev stack.
import { chromium } from 'playwright-core';
const base = process.env.BASE ?? 'http://127.0.0.1:3200';
const [who, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.on('console', (m) => { if (m.type() === 'error') console.log('console:', m.text()); });
page.on('pageerror', (e) => console.log('pageerror:', e.message));
if (who !== 'anon') {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(`${who}@demo.local`);
  await page.getByLabel('Password').fill('demo-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/inbox');
}
for (const p of paths) {
  await page.goto(`${base}${p}`);
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(400);
  const name = `${who}${p.replace(/[^a-z0-9]+/gi, '_')}`.slice(0, 80);
  await page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  console.log('shot', name);
}
await browser.close();
