// The dashboard in a Chromium page, recording what the page reports as wrong: uncaught errors,
// console errors, Content Security Policy violations and events the contract refused.
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
