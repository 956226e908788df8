// The app's own URL scheme, picolink://app/..., which serves the built renderer to the window.
// Loading from file:// would give the page the file scheme's extra privileges and an origin
// shared with every other local file; this scheme is a standard, secure origin of its own that
// can read nothing but the renderer's folder. No Electron import: main.ts registers the scheme
// and hands requests to `serveAppRequest`, so the rules are tested in plain Node.
import { realpath, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, FRAME_OPTIONS } from '../app/csp.ts';
import { CONTENT_TYPES, fileForPath } from '../app/renderer-files.ts';

export const APP_SCHEME = 'picolink';
export const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The scheme's privileges (protocol.registerSchemesAsPrivileged, before the app is ready):
 * standard, for an origin and relative URLs; secure, for APIs that need a secure context (the
 * clipboard); the fetch API, which loads the page's module scripts. Not corsEnabled, so no other
 * origin may read it; no bypassCSP, no service workers.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
} as const;

function refuse(status: number): Response {
  return new Response(null, { status, headers: { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' } });
}

/** Answers one request for the app scheme from the renderer folder `root`; anything else is 404. */
export async function serveAppRequest(root: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse(400);
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404);
  const file = fileForPath(root, url.pathname);
  if (file === null) return refuse(404);
  let body: Buffer;
  try {
    // A link inside the folder must not lead out of it either.
    const [real, base] = await Promise.all([realpath(file), realpath(root)]);
    if (!real.startsWith(base + path.sep)) return refuse(404);
    body = await readFile(real);
  } catch {
    return refuse(404);
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Frame-Options': FRAME_OPTIONS,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    },
  });
}
