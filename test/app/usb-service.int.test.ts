// The dashboard's Boards on USB against a virtual Pico's USB serial port (issue 16 point 2), and the
// simulator's firmware folders (point 3), through the contract as the renderer reaches them. The
// app's simulator runs one board on an empty folder (a Pico W fresh from its UF2, only the
// simulator's config.py on it): usb.list finds its pseudo-terminal, says MicroPython 1.27 and
// PicoLink not installed; usb.install copies PicoLink over raw-paste mode, and the board comes back
// advertising the name from the form. A port not in the list, and a firmware folder not chosen in
// the folder dialog, are refused.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_USB_DIR } from '../../src-main/app/hub-service.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

let h: ServiceHarness;
let empty: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-usb-service-'));
  empty = path.join(dir, 'empty-board');
  mkdirSync(empty);
  h = await startService({ createNoble: () => { throw new Error('no Bluetooth adapter found'); }, chooseFolder: async () => empty, pingTimeoutMs: 2_000 });
}, 60_000);

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('simulator firmware folders from the dashboard', () => {
  it('refuses a folder the user did not choose in the folder dialog, and groups that do not add up', async () => {
    const before = await h.call('settings.get', {});
    await expect(h.call('settings.set', { adapter: { kind: 'sim', picos: 1, groups: [{ count: 1, firmwareDir: '/etc' }] } })).rejects.toThrow(
      /\/etc is not a firmware folder chosen in the folder dialog/,
    );
    await expect(h.call('settings.set', { adapter: { kind: 'sim', picos: 3, groups: [{ count: 1, firmwareDir: null }] } })).rejects.toThrow(/add up to 1 Picos, not 3/);
    expect(await h.call('settings.get', {})).toEqual(before);
  });

  it('runs a group on a chosen folder, each board with a USB port in the app data folder', async () => {
    const { chosen } = await h.call('sim.chooseFirmware', {});
    expect(chosen).toEqual({ dir: empty, name: 'empty-board' });
    await h.call('settings.set', { adapter: { kind: 'sim', picos: 1, groups: [{ count: 1, firmwareDir: empty }] } });
    expect((await h.call('hub.status', {})).running).toBe(true);
  }, 60_000);
});

describe('Boards on USB against a virtual Pico', () => {
  const port = () => path.join(h.home, SIM_USB_DIR, 'pico1');

  it('refuses a port before it is listed, and any port the list did not answer with', async () => {
    const config = { name: 'kitchen', role: 'peripheral' as const };
    await expect(h.call('usb.install', { path: port(), config })).rejects.toThrow(/not a board from the last list/);
    await h.call('usb.list', {});
    await expect(h.call('usb.install', { path: '/dev/mem', config })).rejects.toThrow(/not a board from the last list/);
    await expect(h.call('usb.install', { path: `${port()}/../pico1`, config })).rejects.toThrow(/not a board from the last list/);
    expect(h.seen('usb.progress')).toEqual([]);
  });

  it('lists the board with MicroPython 1.27 and PicoLink not installed', async () => {
    const { boards } = await h.call('usb.list', {});
    const board = boards.find((b) => b.path === port());
    expect(board, JSON.stringify(boards)).toBeDefined();
    expect(board!.micropython?.version ?? JSON.stringify(board)).toMatch(/^1\.27\./);
    expect(board!.picolink).toBeNull();
  });

  it('installs PicoLink with the form config, and the board comes back advertising its name', async () => {
    await h.call('usb.install', { path: port(), config: { name: 'kitchen', role: 'peripheral' } });
    await expect.poll(() => h.seen('usb.done').length, { timeout: 60_000, interval: 100 }).toBe(1);
    const done = h.seen('usb.done')[0]!;
    expect(done, JSON.stringify(done)).toMatchObject({ path: port(), ok: true });
    const phases = new Set(h.seen('usb.progress').map((p) => p.phase));
    expect(phases).toContain('copy');
    // Reset by the installer, it runs PicoLink: the hub hears it under the form's name.
    await expect
      .poll(async () => (await h.call('hub.status', {})).devices.map((d) => d.name), { timeout: 30_000, interval: 250 })
      .toContain('kitchen');
  }, 90_000);

  it('lists the board again with the PicoLink it now runs', async () => {
    // The probe interrupts the running firmware (Ctrl-C) before it enters the raw REPL.
    const { boards } = await h.call('usb.list', {});
    expect(boards.find((b) => b.path === port())?.picolink, JSON.stringify(boards)).not.toBeNull();
  }, 30_000);
});
