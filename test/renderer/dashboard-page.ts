// The dashboard in a Chromium page, recording what the page reports as wrong: uncaught errors,
// console errors, Content Security Policy violations and events the contract refused.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveBridge } from '../../src-main/app/bridge-server.ts';
import type { HubService } from '../../src-main/app/hub-service.ts';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** The built renderer the test bridge serves (test/setup/build-once.ts builds it). */
export const STATIC_DIR = path.resolve(import.meta.dirname, '..', '..', 'dist', 'renderer');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * `service`'s dashboard over the test bridge in a new page of `browser` (openDashboard);
 * close() closes the page and the bridge, not the service.
 */
export async function serveDashboard(browser: Browser, service: HubService, errors: string[]): Promise<{ page: Page; close(): Promise<void> }> {
  const bridge = await serveBridge({ service, staticDir: STATIC_DIR });
  try {
    const page = await openDashboard(browser, bridge.url, errors);
    return {
      page,
      close: async () => {
        await page.close();
        await bridge.close();
      },
    };
  } catch (e) {
    await bridge.close();
    throw e;
  }
}

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
