// Which URLs belong to the app. The window may show only our renderer's index.html: a link in a
// message, a dropped file or a window.open goes nowhere, because any other page loaded into
// this window would get the preload's API.

/** True when `url` is the app's page (`appUrl`), ignoring its query and fragment. */
export function isAppUrl(url: string, appUrl: string): boolean {
  let u: URL;
  let app: URL;
  try {
    u = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  return u.protocol === app.protocol && u.host === app.host && u.pathname === app.pathname;
}

/** The `will-navigate` decision: stay on the app's page (a reload or a #route) or go nowhere. */
export function allowNavigation(url: string, appUrl: string): boolean {
  return isAppUrl(url, appUrl);
}

/** A frame that may call the API: our page's top frame, never an iframe or another page. */
export function isTrustedFrame(frame: { url: string; parent: unknown } | null | undefined, appUrl: string): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url, appUrl);
}
