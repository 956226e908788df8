// The app protocol (picolink://app/...) that serves the built renderer to the window: the files
// of the renderer folder with the one CSP, and nothing else, however the path is spelt.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileForPath } from '../../src-main/app/renderer-files.ts';
import { APP_SCHEME_PRIVILEGES, APP_URL, serveAppRequest } from '../../src-main/shell/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp.ts';

let top: string;
let root: string;
const SECRET = 'api-key=hunter2';

beforeAll(() => {
  top = mkdtempSync(path.join(tmpdir(), 'picolink-protocol-'));
  root = path.join(top, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>PicoLink</title>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(top, 'secret.txt'), SECRET);
  // A sibling whose name starts like the folder's: a prefix check alone would let it through.
  mkdirSync(path.join(top, 'renderer-other'));
  writeFileSync(path.join(top, 'renderer-other', 'index.html'), SECRET);
  symlinkSync(path.join(top, 'secret.txt'), path.join(root, 'link.txt'));
});
afterAll(() => rmSync(top, { recursive: true, force: true }));

const get = (url: string, method = 'GET'): Promise<Response> => serveAppRequest(root, new Request(url, { method }));

describe('the app protocol', () => {
  it('is a standard, secure scheme that other origins cannot read and that bypasses nothing', () => {
    expect(APP_URL).toBe('picolink://app/index.html');
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, corsEnabled: false, bypassCSP: false, allowServiceWorkers: false });
  });

  it('serves the renderer files with their types, the one CSP and no framing', async () => {
    const index = await get(APP_URL);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>PicoLink</title>');
    expect(await (await get('picolink://app/')).text()).toContain('<title>PicoLink</title>');
    const js = await get('picolink://app/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    expect((await get('picolink://app/assets/app.js', 'HEAD')).status).toBe(200);
  });

  it('refuses every way out of the renderer folder, other hosts and schemes, and writes', async () => {
    const attempts = [
      'picolink://app/..%2fsecret.txt',
      'picolink://app/%2e%2e/secret.txt',
      'picolink://app/%2E%2E%2F%2E%2E%2Fsecret.txt',
      'picolink://app/assets/..%2f..%2fsecret.txt',
      'picolink://app/..%5csecret.txt',
      'picolink://app/assets%5c..%5c..%5csecret.txt',
      'picolink://app/%2e%2e/renderer-other/index.html',
      'picolink://app/' + encodeURIComponent(path.join(top, 'secret.txt')),
      'picolink://app/C:%5cWindows%5cwin.ini',
      'picolink://app/index.html%00.png',
      'picolink://app/link.txt',
      'picolink://app/%E0%A4%A',
      'picolink://app/assets/',
      'picolink://other/index.html',
      'picolink://app.evil/index.html',
      'file:///etc/passwd',
      'https://app/index.html',
    ];
    for (const url of attempts) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      expect(await r.text(), url).not.toContain(SECRET);
    }
    // A path the URL parser resolves itself stays inside the folder.
    expect((await get('picolink://app/assets/../../secret.txt')).status).toBe(404);
    expect((await get(APP_URL, 'POST')).status).toBe(405);
    expect((await get(APP_URL, 'PUT')).status).toBe(405);
  });

  it('maps a path to a file only inside the folder', () => {
    expect(fileForPath(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
    expect(fileForPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(fileForPath(root, '/a//b')).toBeNull();
    expect(fileForPath(root, '/./index.html')).toBeNull();
    expect(fileForPath(root, '/%2e%2e')).toBeNull();
  });
});
