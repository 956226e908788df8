// Which file of the built renderer a URL path names, and its content type: one set of rules for
// both ways the page is served, the app's picolink:// scheme (shell/app-protocol.ts) and the test
// bridge (app/bridge-server.ts).
import path from 'node:path';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The file a URL path names inside `root`, or null. Each segment is decoded once and must be a
 * plain name: no '.', '..', empty segments, separators of either OS, NUL or drive colons, so
 * neither an encoded '..' nor a Windows backslash can climb out; the result must still resolve
 * inside `root` (belt and braces).
 */
export function fileForPath(root: string, pathname: string): string | null {
  const segments = pathname.split('/').slice(1);
  if (segments.length === 1 && segments[0] === '') segments[0] = 'index.html';
  const names: string[] = [];
  for (const raw of segments) {
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (name === '' || name === '.' || name === '..' || /[/\\\0:]/.test(name)) return null;
    names.push(name);
  }
  const base = path.resolve(root);
  const file = path.resolve(base, ...names);
  return file.startsWith(base + path.sep) ? file : null;
}
