// The renderer's one Content-Security-Policy. Only our own files may run or be fetched: the
// renderer shows text that Picos send, and if any of it ever reached the DOM as markup, this
// policy is what stops it from loading or running anything.
//
// The same string goes everywhere the page can get a policy from: the built index.html's <meta>
// (written by src-renderer/vite.config.ts from this file), the app protocol's responses, the
// session's response headers, and the test bridge's responses. Two different policies would be
// intersected by the browser, so a looser copy in one place would only mislead the reader.
// Hence no frame-ancestors here: a <meta> policy may not carry it (Chromium ignores it there and
// logs an error); framing is refused by X-Frame-Options on every response we serve instead.
const DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // Svelte 5 animates with the Web Animations API and sets styles through the CSSOM, which
  // style-src does not govern; nothing needs inline <style> elements.
  'style-src': ["'self'"],
  // chart.js exports and the empty favicon come as data: URLs.
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  // The preload needs no network. 'self' also matches ws: and wss: on the page's own host and
  // port (CSP Level 3), which is how the test bridge's page reaches its WebSocket: the bridge
  // serves the page and the socket from one origin, so the app needs no loopback wildcard.
  'connect-src': ["'self'"],
  'frame-src': ["'none'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/** A policy string from directives, in the order given. */
export function policyOf(directives: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const CONTENT_SECURITY_POLICY = policyOf(DIRECTIVES);

/**
 * The Vite dev server's policy (never shipped): the app's, plus loopback WebSockets, because
 * `vite dev` serves the page from one port while the bridge it reaches with `?bridge=` listens
 * on another, and inline styles, because in development Vite injects each stylesheet as a
 * <style> element.
 */
export const DEV_SERVER_CONTENT_SECURITY_POLICY = policyOf({
  ...DIRECTIVES,
  'style-src': ["'self'", "'unsafe-inline'"],
  'connect-src': ["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*'],
});

/** Sent with every response we serve: no page of ours may be put in a frame. */
export const FRAME_OPTIONS = 'DENY';

const OURS = new Set(['content-security-policy', 'x-frame-options']);

/**
 * Response headers with our policy (and frame options) in place of any the response brought:
 * header names are case-insensitive, and a second CSP header would only be intersected with
 * ours, not replace it.
 */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (OURS.has(name.toLowerCase())) continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  out['X-Frame-Options'] = [FRAME_OPTIONS];
  return out;
}
