// The dashboard in a Chromium page, recording what the page reports as wrong: uncaught errors,
// console errors, Content Security Policy violations and events the contract refused.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export async function openDashboard(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|does not match the contract/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return page;
}

/**
 * With PICOLINK_SCREENSHOTS=1, the README's screenshot `name` of the page as it is
 * (docs/screenshots), toasts dismissed; =DIR writes into DIR instead. Otherwise nothing.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  const to = process.env.PICOLINK_SCREENSHOTS;
  if (!to) return;
  const dir = to === '1' ? path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots') : to;
  const close = page.getByTestId('toast-dismiss');
  while ((await close.count()) > 0) await close.first().click();
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name) });
}
