// The renderer's Content-Security-Policy. Only our own files may run or be fetched: the renderer
// shows text that Picos send, and if any of it ever reached the DOM as markup, this policy is
// what stops it from loading or running anything.
const DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // Svelte's transitions and animations insert <style> elements at run time, which a
  // 'self'-only style-src blocks; inline styles cannot run code, so the risk is layout only.
  'style-src': ["'self'", "'unsafe-inline'"],
  // chart.js exports and small icons come as data: URLs.
  'img-src': ["'self'", 'data:'],
  // The preload needs no network; 'self' lets the browser build reach the test bridge's
  // WebSocket on the origin that served it.
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export const CONTENT_SECURITY_POLICY = Object.entries(DIRECTIVES)
  .map(([name, values]) => `${name} ${values.join(' ')}`)
  .join('; ');

/**
 * Response headers with our policy in place of any the response brought: header names are
 * case-insensitive, and a second CSP header would only be intersected with ours, not replace it.
 */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}
