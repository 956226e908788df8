// The window's security: its options, the CSP, and the navigation guards, against a fake electron.
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
const { CONTENT_SECURITY_POLICY, withCsp } = await import('../../src-main/shell/csp.ts');
const { applyCsp, createMainWindow } = await import('../../src-main/shell/window.ts');

const APP = 'file:///opt/PicoLink/resources/app/dist/renderer/index.html';

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
  it('allows only our own scripts and connections, no plugins, no base or framing', () => {
    const d = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1).join(' ')]));
    expect(d).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*/);
    expect(d['script-src']).not.toContain('unsafe-inline');
  });

  it('replaces any CSP a response brings, whatever its case, and keeps the other headers', () => {
    expect(withCsp({ 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' })).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('is put on every response of the session', () => {
    let listener: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
    const session = { webRequest: { onHeadersReceived: (l: typeof listener) => (listener = l) } };
    applyCsp(session as never);
    const cb = vi.fn();
    listener!({ responseHeaders: { 'X-A': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
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
    expect(navigate(contents, 'will-navigate', 'file:///opt/PicoLink/resources/app/dist/renderer/other.html')).toBe(false);
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
