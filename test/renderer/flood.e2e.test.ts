// The dashboard shows a linked peer that floods PINGs as such: the fault under the state badge,
// the badge itself bad while the state stays "linked", and the flood in the SQLite log. The
// built renderer in Debian's Chromium, over the test bridge, against a HubService on a UART
// dongle of the virtual radio with a rogue peripheral (test/hub/ping-flood-peer.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBridge } from '../../src-main/app/bridge-server.ts';
import { HubService } from '../../src-main/app/hub-service.ts';
import { LOG_FILE } from '../../src-main/hub/store/database.ts';
import { iterateRows } from '../../src-main/hub/store/log-query.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { PingFloodPeer } from '../hub/ping-flood-peer.ts';
import { hasChromium, launchChromium, STATIC_DIR } from './dashboard-page.ts';

let browser: Browser | null = null;

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)('dashboard with a peer that floods PINGs', () => {
  it('keeps it linked, shows the flood under and on its badge, and logs it', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'picolink-e2e-flood-'));
    const radio = new Radio();
    radio.addNode({ name: 'dongle' });
    const port = path.join(home, 'dongle');
    radio.attachPty('dongle', port);
    const rogue = await PingFloodPeer.start(radio, 'rogue');
    const service = await HubService.create({
      home,
      settings: { adapter: { kind: 'uart', port }, pingHz: 5, theme: 'light' },
      statusIntervalMs: 250,
    });
    const bridge = await serveBridge({ service, staticDir: STATIC_DIR });
    const p = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await p.goto(bridge.url);
      await service.handle('device.pair', { target: rogue.address });
      const row = p.locator(`[data-testid="device-row"][data-address="${rogue.address}"]`);
      await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000, interval: 250 }).toBe('linked');
      rogue.flood();
      const fault = row.getByTestId('state-fault');
      await expect.poll(() => fault.count(), { timeout: 15_000, interval: 250 }).toBe(1);
      expect(await fault.textContent()).toMatch(/^flooding: /);
      expect(await row.getAttribute('data-state')).toBe('linked');
      const badge = row.getByTestId('state-badge');
      expect(await badge.getAttribute('data-fault')).toBe('yes');
      expect(await badge.getAttribute('class')).toMatch(/\bbad\b/);
    } finally {
      rogue.stop();
      await p.close();
      await bridge.close();
      await service.stop();
      rogue.close();
      radio.close();
    }
    try {
      const db = new Database(path.join(home, LOG_FILE), { readonly: true });
      try {
        const reasons = [...iterateRows(db, 'events')].filter((e) => e.device === rogue.address).map((e) => e.reason);
        expect(reasons.some((r) => r?.startsWith('flooding: '))).toBe(true);
      } finally {
        db.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
