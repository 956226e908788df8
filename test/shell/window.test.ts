// The window's security: its options, the CSP, the navigation guards and the permission
// handlers, against a fake electron.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

const created: { options: Record<string, unknown>; contents: FakeContents }[] = [];

class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
}

vi.mock('electron', () => ({
  BrowserWindow: class extends EventEmitter {
    webContents = new FakeContents();
    constructor(options: Record<string, unknown>) {
      super();
      created.push({ options, contents: this.webContents });
    }
    show(): void {}
  },
}));

const { windowOptions } = await import('../../src-main/shell/window-options.ts');
const { CONTENT_SECURITY_POLICY, withCsp } = await import('../../src-main/app/csp.ts');
const { applyCsp, createMainWindow } = await import('../../src-main/shell/window.ts');
const { APP_URL } = await import('../../src-main/shell/app-protocol.ts');
const { applyPermissionPolicy, GRANTED_PERMISSIONS } = await import('../../src-main/shell/permissions.ts');

const APP = APP_URL;

function navigate(contents: FakeContents, event: string, url: string): boolean {
  const e = { url, preventDefault: vi.fn() };
  contents.emit(event, e);
  return e.preventDefault.mock.calls.length === 0;
}

describe('window options', () => {
  it('isolates and sandboxes the renderer, without Node, with web security and our preload', () => {
    const prefs = windowOptions({ preload: '/app/dist/shell/preload.cjs' }).webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/dist/shell/preload.cjs',
    });
  });

  it('creates the window with those options', () => {
    createMainWindow({ preload: '/p.cjs', appUrl: APP });
    const w = created.at(-1)!;
    expect(w.options).toEqual(windowOptions({ preload: '/p.cjs' }));
  });
});

describe('content security policy', () => {
  it('allows only our own scripts, styles and connections, no plugins, frames, base or forms', () => {
    const d = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1).join(' ')]));
    expect(d).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'self'",
      'frame-src': "'none'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
    });
    // No loopback WebSockets (the test bridge is same-origin) and nothing a <meta> cannot carry.
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|ws:|127\.0\.0\.1|localhost|frame-ancestors/);
  });

  it('replaces any CSP and frame options a response brings, whatever their case, and keeps the other headers', () => {
    expect(withCsp({ 'content-security-policy': ['default-src *'], 'x-frame-options': 'ALLOWALL', 'Content-Type': 'text/html' })).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      'X-Frame-Options': ['DENY'],
    });
  });

  it('is put on every response of the session', () => {
    let listener: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
    const session = { webRequest: { onHeadersReceived: (l: typeof listener) => (listener = l) } };
    applyCsp(session as never);
    const cb = vi.fn();
    listener!({ responseHeaders: { 'X-A': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY], 'X-Frame-Options': ['DENY'] } });
  });
});

describe('navigation', () => {
  it('stays on our page and blocks every other navigation and redirect', () => {
    createMainWindow({ preload: '/p.cjs', appUrl: APP });
    const { contents } = created.at(-1)!;
    expect(navigate(contents, 'will-navigate', APP)).toBe(true);
    expect(navigate(contents, 'will-navigate', APP + '#/devices')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'https://evil.example/')).toBe(false);
    expect(navigate(contents, 'will-navigate', 'file:///etc/passwd')).toBe(false);
    expect(navigate(contents, 'will-navigate', 'picolink://app/other.html')).toBe(false);
    expect(navigate(contents, 'will-navigate', 'picolink://evil/index.html')).toBe(false);
    expect(navigate(contents, 'will-navigate', 'file:///opt/PicoLink/resources/app/dist/renderer/index.html')).toBe(false);
    expect(navigate(contents, 'will-redirect', 'https://evil.example/')).toBe(false);
    expect(navigate(contents, 'will-attach-webview', APP)).toBe(false);
  });

  it('denies window.open, even for our own page', () => {
    createMainWindow({ preload: '/p.cjs', appUrl: APP });
    const { contents } = created.at(-1)!;
    expect(contents.openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: APP })).toEqual({ action: 'deny' });
  });
});

type Handler = (...args: never[]) => unknown;

/** A session recording what the shell installs on it. */
function fakeSession() {
  const handlers = new Map<string, Handler>();
  const session = Object.assign(new EventEmitter(), {
    setPermissionRequestHandler: (h: Handler) => handlers.set('request', h),
    setPermissionCheckHandler: (h: Handler) => handlers.set('check', h),
    setDevicePermissionHandler: (h: Handler) => handlers.set('device', h),
    setBluetoothPairingHandler: (h: Handler) => handlers.set('pairing', h),
  });
  applyPermissionPolicy(session as never, APP);
  const request = (permission: string, requestingUrl: string, isMainFrame = true): Promise<boolean> =>
    new Promise((resolve) => (handlers.get('request') as (c: null, p: string, cb: (g: boolean) => void, d: object) => void)(null, permission, resolve, { requestingUrl, isMainFrame }));
  const check = (permission: string, origin: string, isMainFrame = true): boolean =>
    (handlers.get('check') as (c: null, p: string, o: string, d: object) => boolean)(null, permission, origin, { isMainFrame });
  return { session, handlers, request, check };
}

/** Emits a chooser event the way Electron does; says whether it was taken over and what was chosen. */
function choose(target: EventEmitter, event: string, ...args: unknown[]): { prevented: boolean; chosen: unknown } {
  const out = { prevented: false, chosen: 'nothing' as unknown };
  target.emit(event, { preventDefault: () => (out.prevented = true) }, ...args, (id?: unknown) => (out.chosen = id ?? null));
  return out;
}

describe('permissions', () => {
  const ASKED = ['media', 'geolocation', 'notifications', 'midiSysex', 'openExternal', 'display-capture', 'clipboard-read', 'fullscreen', 'pointerLock', 'keyboardLock', 'fileSystem', 'window-management', 'idle-detection', 'storage-access', 'unknown'];

  it('grants only the clipboard write the adapter banner needs', () => {
    expect([...GRANTED_PERMISSIONS]).toEqual(['clipboard-sanitized-write']);
  });

  it('denies every permission request but that one, and that one to any page but ours', async () => {
    const { request } = fakeSession();
    for (const p of ASKED) expect(await request(p, APP), p).toBe(false);
    expect(await request('clipboard-sanitized-write', APP)).toBe(true);
    expect(await request('clipboard-sanitized-write', APP + '#/devices')).toBe(true);
    expect(await request('clipboard-sanitized-write', APP, false)).toBe(false);
    expect(await request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(await request('clipboard-sanitized-write', 'file:///opt/PicoLink/resources/app/dist/renderer/index.html')).toBe(false);
  });

  it('answers permission checks the same way, from the asking origin', () => {
    const { check } = fakeSession();
    for (const p of [...ASKED, 'hid', 'serial', 'usb', 'midi', 'clipboard-read', 'deprecated-sync-clipboard-read']) expect(check(p, 'picolink://app'), p).toBe(false);
    expect(check('clipboard-sanitized-write', 'picolink://app')).toBe(true);
    expect(check('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    expect(check('clipboard-sanitized-write', 'null')).toBe(false);
    expect(check('clipboard-sanitized-write', 'picolink://app', false)).toBe(false);
  });

  it('grants no device, refuses Bluetooth pairing, and cancels every device chooser', () => {
    const { session, handlers } = fakeSession();
    for (const deviceType of ['hid', 'serial', 'usb', 'bluetooth']) expect((handlers.get('device') as (d: object) => boolean)({ deviceType, origin: 'picolink://app' })).toBe(false);
    let pairing: unknown = null;
    (handlers.get('pairing') as (d: object, cb: (r: unknown) => void) => void)({ deviceId: 'x', pairingKind: 'confirm', frame: null }, (r) => (pairing = r));
    expect(pairing).toEqual({ confirmed: false });
    expect(choose(session, 'select-hid-device', { deviceList: [{ deviceId: 'h' }], frame: null })).toEqual({ prevented: true, chosen: null });
    expect(choose(session, 'select-usb-device', { deviceList: [{ deviceId: 'u' }], frame: null })).toEqual({ prevented: true, chosen: null });
    expect(choose(session, 'select-serial-port', [{ portId: 'p' }], null)).toEqual({ prevented: true, chosen: '' });
  });

  it("cancels the window's Web Bluetooth chooser instead of letting Electron pick the first device", () => {
    createMainWindow({ preload: '/p.cjs', appUrl: APP });
    const { contents } = created.at(-1)!;
    expect(choose(contents, 'select-bluetooth-device', [{ deviceId: 'pico1', deviceName: 'pico1' }])).toEqual({ prevented: true, chosen: '' });
  });
});
