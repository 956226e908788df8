// Main's IPC: the renderer is untrusted, so the sender and the payload are checked before the
// service is called; the preload turns replies back into results and errors.
import { describe, expect, it, vi } from 'vitest';
import type { IpcService } from '../../src-main/ipc/service.ts';
import { registerIpc, UNTRUSTED_SENDER } from '../../src-main/shell/ipc.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL, type IpcReply } from '../../src-main/shell/ipc-channels.ts';
import { isTrustedFrame } from '../../src-main/shell/navigation.ts';
import type { PicoLinkApi } from '../../src-main/ipc/contract.ts';

const APP = 'picolink://app/index.html';
type Handler = (event: { senderFrame: { url: string; parent: unknown } | null }, channel: unknown, payload: unknown) => Promise<IpcReply>;

function setup() {
  const handlers = new Map<string, Handler>();
  const ipcMain = { handle: vi.fn((c: string, h: Handler) => handlers.set(c, h)), removeHandler: vi.fn((c: string) => handlers.delete(c)) };
  const listeners = new Map<string, (p: unknown) => void>();
  const service = {
    handle: vi.fn(async (channel: string) => {
      if (channel === 'device.connect') throw new Error('aa:bb:cc:dd:ee:ff is not a paired device');
      return { removed: true };
    }),
    on: vi.fn((channel: string, l: (p: unknown) => void) => {
      listeners.set(channel, l);
      return () => listeners.delete(channel);
    }),
  };
  const registered = registerIpc(ipcMain as never, service as unknown as IpcService, (frame) => isTrustedFrame(frame, APP));
  const invoke = (channel: unknown, payload: unknown, url = APP, parent: unknown = null) => handlers.get(REQUEST_CHANNEL)!({ senderFrame: { url, parent } }, channel, payload);
  return { handlers, ipcMain, service, listeners, registered, invoke };
}

describe('registerIpc', () => {
  it('registers one handler on the request channel', () => {
    const { ipcMain } = setup();
    expect(ipcMain.handle).toHaveBeenCalledTimes(1);
    expect(ipcMain.handle.mock.calls[0]![0]).toBe('picolink:request');
  });

  it('refuses an unknown channel, a bad payload and a foreign sender without calling the service', async () => {
    const { invoke, service } = setup();
    expect(await invoke('shell.openExternal', { url: 'x' })).toEqual({ ok: false, error: 'unknown request channel "shell.openExternal"' });
    expect(await invoke('__proto__', {})).toMatchObject({ ok: false, error: expect.stringMatching(/unknown request channel/) });
    expect(await invoke(42, {})).toMatchObject({ ok: false, error: expect.stringMatching(/unknown request channel/) });
    const bad = await invoke('device.unpair', { address: 'AA:BB' });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^bad device.unpair request: .*aa:bb:cc:dd:ee:ff/) });
    expect(await invoke('device.send', { target: 'all', body: { kind: 'data', hex: 'xyz' } })).toMatchObject({ ok: false });
    // The page never names a file: an export with a path is refused whatever else it carries.
    expect(await invoke('export.run', { format: 'csv', file: '/home/user/.bashrc' })).toMatchObject({ ok: false, error: expect.stringMatching(/^bad export.run request/) });
    expect(await invoke('export.run', { token: 'A'.repeat(43), file: '/home/user/.bashrc' })).toMatchObject({ ok: false, error: expect.stringMatching(/^bad export.run request/) });
    expect(await invoke('export.chooseFile', { format: 'csv', defaultPath: '/home/user/.bashrc' })).toMatchObject({ ok: false });
    expect(await invoke('device.unpair', { address: 'aa:bb:cc:dd:ee:ff' }, 'https://evil.example/')).toEqual({ ok: false, error: UNTRUSTED_SENDER });
    expect(await invoke('device.unpair', { address: 'aa:bb:cc:dd:ee:ff' }, APP, { url: APP })).toEqual({ ok: false, error: UNTRUSTED_SENDER });
    expect(await invoke('device.unpair', { address: 'aa:bb:cc:dd:ee:ff' }, 'file:///tmp/evil.html')).toEqual({ ok: false, error: UNTRUSTED_SENDER });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('passes a valid request to the service with the parsed payload, and its error back as text', async () => {
    const { invoke, service } = setup();
    expect(await invoke('device.pair', { target: '  pico1  ' }, APP + '#/devices')).toEqual({ ok: true, result: { removed: true } });
    expect(service.handle).toHaveBeenCalledWith('device.pair', { target: 'pico1' });
    expect(await invoke('device.connect', { address: 'aa:bb:cc:dd:ee:ff' })).toEqual({ ok: false, error: 'aa:bb:cc:dd:ee:ff is not a paired device' });
  });

  it('forwards service events to the window until told to stop, and not to a destroyed one', () => {
    const { registered, listeners, ipcMain, handlers } = setup();
    const target = { send: vi.fn(), isDestroyed: vi.fn(() => false) };
    const off = registered.forwardEvents(target);
    expect([...listeners.keys()]).toEqual(expect.arrayContaining(['status', 'samples', 'messages', 'state', 'throughput', 'export.progress', 'notice']));
    listeners.get('notice')!({ level: 'info', text: 'hi' });
    expect(target.send).toHaveBeenCalledWith(EVENT_CHANNEL, 'notice', { level: 'info', text: 'hi' });
    target.isDestroyed.mockReturnValue(true);
    listeners.get('notice')!({ level: 'info', text: 'late' });
    expect(target.send).toHaveBeenCalledTimes(1);
    off();
    expect(listeners.size).toBe(0);
    registered.forwardEvents(target);
    registered.dispose();
    expect(listeners.size).toBe(0);
    expect(ipcMain.removeHandler).toHaveBeenCalledWith(REQUEST_CHANNEL);
    expect(handlers.size).toBe(0);
  });
});

describe('preload', () => {
  it('exposes picolink with request (errors as Error) and on (per channel, unsubscribable)', async () => {
    const exposed: Record<string, unknown> = {};
    let eventListener: ((e: unknown, channel: unknown, payload: unknown) => void) | null = null;
    const invoke = vi.fn(async (_c: string, channel: string): Promise<IpcReply> => (channel === 'hub.status' ? { ok: true, result: { running: true } } : { ok: false, error: 'unknown request channel "x"' }));
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: { invoke, on: (c: string, l: typeof eventListener) => c === EVENT_CHANNEL && (eventListener = l) },
    }));
    await import('../../src-main/shell/preload.ts');
    const api = exposed.picolink as PicoLinkApi;
    expect(Object.keys(exposed)).toEqual(['picolink']);
    expect(await api.request('hub.status', {})).toEqual({ running: true });
    expect(invoke).toHaveBeenCalledWith(REQUEST_CHANNEL, 'hub.status', {});
    await expect(api.request('x' as never, {} as never)).rejects.toThrow(new Error('unknown request channel "x"'));
    const got: unknown[] = [];
    const off = api.on('notice', (n) => got.push(n));
    eventListener!({ sender: 'secret' }, 'notice', { level: 'info', text: 'a' });
    eventListener!({}, 'status', { running: false });
    off();
    eventListener!({}, 'notice', { level: 'info', text: 'b' });
    expect(got).toEqual([{ level: 'info', text: 'a' }]);
    vi.doUnmock('electron');
  });
});
