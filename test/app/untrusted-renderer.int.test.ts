// What a compromised renderer can no longer do through the contract (issue 13, item 3): name a
// file for main to write (a page once exported attacker text into ~/.bashrc), spend an export
// token twice or forge one, or put the UART adapter on a path that is not a serial port.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serveBridge, type Bridge } from '../../src-main/app/bridge-server.ts';
import { listSerialPorts } from '../../src-main/app/serial-ports.ts';
import { ContractError, parseRequest } from '../../src-main/ipc/contract.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

let h: ServiceHarness | null = null;
let bridge: Bridge | null = null;
let dir: string | null = null;
afterEach(async () => {
  await bridge?.close();
  bridge = null;
  await h?.close();
  h = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const noBluetooth = (): never => {
  throw new Error('no Bluetooth adapter found');
};

/** A service with a log and no adapter; the save dialog answers `chosen`. */
async function serviceChoosing(chosen: string | null, extra: Parameters<typeof startService>[0] = {}): Promise<ServiceHarness> {
  return startService({ createNoble: noBluetooth, chooseFile: async () => chosen, ...extra });
}

describe('export: the renderer never names a path', () => {
  it('refuses, at the contract, an export request that carries a path, and any but a token-shaped token', () => {
    const bashrc = path.join(tmpdir(), '.bashrc');
    expect(() => parseRequest('export.run', { format: 'csv', file: bashrc })).toThrow(ContractError);
    expect(() => parseRequest('export.run', { token: 'A'.repeat(43), file: bashrc })).toThrow(/bad export.run request/);
    expect(() => parseRequest('export.run', { token: '../../.bashrc' })).toThrow(/a token from export.chooseFile/);
    expect(() => parseRequest('export.chooseFile', { format: 'csv', file: bashrc })).toThrow(ContractError);
    expect(parseRequest('export.run', { token: 'A'.repeat(43) }).payload).toEqual({ token: 'A'.repeat(43) });
  });

  it('exports to the chosen file with a token that works once; a forged or spent token writes nothing', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'picolink-untrusted-'));
    const out = path.join(dir, 'chosen.csv');
    const bashrc = path.join(dir, '.bashrc');
    writeFileSync(bashrc, 'export PATH=$HOME/bin:$PATH\n');
    h = await serviceChoosing(out);
    await expect(h.call('export.run', { token: 'A'.repeat(43) })).rejects.toThrow(/unknown or was already used/);
    expect(existsSync(out)).toBe(false);

    const { chosen } = await h.call('export.chooseFile', { format: 'csv' });
    expect(chosen).toMatchObject({ file: out, format: 'csv' });
    const first = await h.call('export.run', { token: chosen!.token });
    expect(first).toMatchObject({ rows: 0, file: out, format: 'csv' });
    expect(readFileSync(out, 'utf8')).toMatch(/^record,/);
    await expect(h.call('export.run', { token: chosen!.token })).rejects.toThrow(/already used/);
    // The fresh token the export gave back is for the same file, and once.
    expect(first.again).not.toBe(chosen!.token);
    expect((await h.call('export.run', { token: first.again })).file).toBe(out);
    await expect(h.call('export.run', { token: first.again })).rejects.toThrow(/already used/);
    expect(readFileSync(bashrc, 'utf8')).toBe('export PATH=$HOME/bin:$PATH\n');
  });

  it('gives no token when the user cancels the dialog', async () => {
    h = await serviceChoosing(null);
    expect(await h.call('export.chooseFile', { format: 'ndjson' })).toEqual({ chosen: null });
  });

  it('refuses a page that sends a path over the test bridge, before the service sees it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'picolink-untrusted-'));
    const bashrc = path.join(dir, '.bashrc');
    h = await serviceChoosing(null);
    bridge = await serveBridge({ service: h.service, staticDir: dir });
    const ws = new WebSocket(bridge.url.replace(/^http/, 'ws') + 'bridge');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = await new Promise<Record<string, unknown>>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>));
      ws.send(JSON.stringify({ type: 'request', id: 1, channel: 'export.run', payload: { format: 'csv', file: bashrc } }));
    });
    ws.close();
    expect(reply).toMatchObject({ id: 1, ok: false, error: expect.stringMatching(/^bad export.run request/) });
    expect(existsSync(bashrc)).toBe(false);
  });
});

describe('settings: a UART adapter only on a port the OS lists', () => {
  const listed = async () => [{ path: '/dev/ttyACM0', label: 'Nordic 1915:521f' }];

  it('refuses any other path and keeps the settings as they were', async () => {
    h = await startService({ createNoble: noBluetooth, listSerialPorts: listed });
    const before = await h.call('settings.get', {});
    for (const port of [path.join(tmpdir(), '.bashrc'), '/dev/mem', '/dev/ttyACM0/../../etc/passwd', 'COM3']) {
      await expect(h.call('settings.set', { adapter: { kind: 'uart', port } })).rejects.toThrow(/is not a serial port this computer lists: \/dev\/ttyACM0/);
    }
    expect(await h.call('settings.get', {})).toEqual(before);
    expect(existsSync(path.join(h.home, 'settings.json'))).toBe(false);
    expect(await h.call('adapter.ports', {})).toEqual({ ports: [{ path: '/dev/ttyACM0', label: 'Nordic 1915:521f' }] });
  });

  it('takes a listed port, and leaves a port already in use alone when other settings change', async () => {
    h = await startService({ createNoble: noBluetooth, listSerialPorts: listed });
    expect((await h.call('settings.set', { adapter: { kind: 'uart', port: '/dev/ttyACM0', baudRate: 1_000_000 } })).adapter).toEqual({ kind: 'uart', port: '/dev/ttyACM0', baudRate: 1_000_000 });
    await h.service.stop();
    // A port set before (settings.json, --hci) that the OS no longer lists does not block a ping-rate change.
    h = await startService({ home: h.home, createNoble: noBluetooth, listSerialPorts: async () => [], settings: { adapter: { kind: 'uart', port: '/tmp/picolink-hci0' } } });
    expect((await h.call('settings.set', { pingHz: 5, adapter: { kind: 'uart', port: '/tmp/picolink-hci0' } })).pingHz).toBe(5);
    await expect(h.call('settings.set', { adapter: { kind: 'uart', port: '/tmp/picolink-hci1' } })).rejects.toThrow(/none: is the dongle plugged in/);
  });

  it("lists the OS's ports through the serialport package", async () => {
    const ports = await listSerialPorts();
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) {
      expect(typeof p.path).toBe('string');
      expect(p.label === null || typeof p.label === 'string').toBe(true);
    }
  });
});
