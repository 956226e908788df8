// The test bridge: static files, the WebSocket API with validation before the service, origin
// checks, and the browser-side client driving a real HubService on the simulator.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serveBridge, type Bridge } from '../../src-main/app/bridge-server.ts';
import type { IpcService } from '../../src-main/ipc/service.ts';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp.ts';
import { createBridgeClient, type BridgeClient } from '../../src-main/ipc/ws-client.ts';
import type { EventChannel, EventOf } from '../../src-main/ipc/contract.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

/** A service that records what reaches it, to prove what does not. */
function fakeService(): IpcService & { calls: [string, unknown][]; emit<C extends EventChannel>(c: C, p: EventOf<C>): void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: [string, unknown][] = [];
  return {
    calls,
    handle: async (channel, payload) => {
      calls.push([channel, payload]);
      if (channel === 'device.connect') throw new Error('pico1 is not a paired device');
      return { pingHz: 10, adapter: { kind: 'system' }, theme: 'dark' } as never;
    },
    on: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener as (p: unknown) => void);
      return () => void set.delete(listener as (p: unknown) => void);
    },
    emit: (channel, payload) => listeners.get(channel)?.forEach((l) => l(payload)),
  };
}

let dir: string;
let bridge: Bridge | null = null;
let client: BridgeClient | null = null;
let h: ServiceHarness | null = null;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-bridge-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>PicoLink</title>');
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmpdir(), 'picolink-secret.txt'), 'secret');
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
});
afterEach(async () => {
  client?.close();
  client = null;
  await bridge?.close();
  bridge = null;
  await h?.close();
  h = null;
  rmSync(dir, { recursive: true, force: true });
});

function raw(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + 'bridge', { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function reply(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('bridge server', () => {
  it('serves the renderer with the CSP, and nothing outside its folder', async () => {
    bridge = await serveBridge({ service: fakeService(), staticDir: dir });
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(bridge.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(await index.text()).toContain('<title>PicoLink</title>');
    expect((await fetch(bridge.url + 'assets/app.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(bridge.url + 'missing.js')).status).toBe(404);
    expect((await fetch(bridge.url + '..%2fpicolink-secret.txt')).status).toBe(404);
    expect((await fetch(bridge.url + '%2e%2e/picolink-secret.txt')).status).toBe(404);
  });

  it('validates every request before the service, answers errors by id, and forwards events', async () => {
    const service = fakeService();
    bridge = await serveBridge({ service, staticDir: dir });
    const ws = await raw(bridge.url);
    expect(await reply(ws, 'not json')).toEqual({ type: 'response', id: null, ok: false, error: 'the message is not JSON' });
    expect(await reply(ws, { type: 'request', id: 1, channel: 'fs.read', payload: {} })).toMatchObject({ id: 1, ok: false, error: 'unknown request channel "fs.read"' });
    expect(await reply(ws, { type: 'request', id: 2, channel: 'device.connect', payload: { address: 'not an address' } })).toMatchObject({ id: 2, ok: false, error: expect.stringMatching(/bad device.connect request/) });
    expect(await reply(ws, { type: 'request', id: 3, channel: 'settings.set', payload: { pingHz: 1000 } })).toMatchObject({ id: 3, ok: false });
    expect(await reply(ws, { type: 'nonsense', id: 4 })).toMatchObject({ id: 4, ok: false });
    expect(service.calls).toEqual([]);
    // Valid requests reach the service with the parsed payload; its errors come back as text.
    expect(await reply(ws, { type: 'request', id: 5, channel: 'settings.get', payload: {} })).toEqual({ type: 'response', id: 5, ok: true, result: { pingHz: 10, adapter: { kind: 'system' }, theme: 'dark' } });
    expect(await reply(ws, { type: 'request', id: 6, channel: 'device.connect', payload: { address: 'aa:bb:cc:dd:ee:ff' } })).toEqual({ type: 'response', id: 6, ok: false, error: 'pico1 is not a paired device' });
    expect(service.calls).toEqual([['settings.get', {}], ['device.connect', { address: 'aa:bb:cc:dd:ee:ff' }]]);
    const event = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    service.emit('notice', { level: 'info', text: 'hello' });
    expect(await event).toEqual({ type: 'event', channel: 'notice', payload: { level: 'info', text: 'hello' } });
    ws.close();
  });

  it('refuses a WebSocket from another origin and on another path', async () => {
    bridge = await serveBridge({ service: fakeService(), staticDir: dir });
    await expect(raw(bridge.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(new Promise((resolve, reject) => {
      const ws = new WebSocket(bridge!.url.replace(/^http/, 'ws') + 'other');
      ws.once('open', resolve);
      ws.once('error', reject);
    })).rejects.toThrow(/403/);
    const own = await raw(bridge.url, { origin: bridge.url.slice(0, -1) });
    own.close();
  });

  it('lets the browser client drive a real hub on the simulator', async () => {
    h = await startService({ settings: { adapter: { kind: 'sim', picos: 1 }, pingHz: 20 } });
    bridge = await serveBridge({ service: h.service, staticDir: dir });
    client = createBridgeClient(bridge.url.replace(/^http/, 'ws') + 'bridge');
    const samples: number[] = [];
    const messages: string[] = [];
    client.on('samples', (e) => e.batches.forEach((b) => b.samples.forEach((s) => samples.push(s.seq))));
    const off = client.on('messages', (m) => m.batches.forEach((b) => b.entries.forEach((e) => messages.push(e.body.kind === 'text' ? e.body.text : e.body.hex))));
    // Sent before the socket is open: queued, not lost.
    const info = client.request('app.info', {});
    expect((await info).name).toBe('PicoLink');
    await expect.poll(() => h!.service.status().devices.length, { timeout: 20_000, interval: 20 }).toBe(1);
    const address = (await client.request('hub.status', {})).devices[0]!.address;
    expect(await client.request('device.pair', { target: address })).toEqual({ address });
    await expect.poll(() => samples.length, { message: 'samples over the socket', timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(5);
    await expect.poll(() => h!.service.status().devices[0]!.state, { timeout: 20_000, interval: 20 }).toBe('linked');
    expect(await client.request('device.send', { target: address, body: { kind: 'text', text: 'over the bridge' } })).toEqual({ sentTo: [address] });
    await expect.poll(() => messages, { message: 'echo over the socket', timeout: 20_000, interval: 20 }).toContain('over the bridge');
    await expect(client.request('device.connect', { address: 'zz' } as never)).rejects.toThrow(/bad device.connect request/);
    off();
    client.close();
    await expect(client.request('hub.status', {})).rejects.toThrow(/closed/);
  });
});
