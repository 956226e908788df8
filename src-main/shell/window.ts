// The main window and the guards around it: the CSP on every response, no way for the page to
// go anywhere but our own index.html or to open new windows, and no device chooser.
import { BrowserWindow, type Session, type WebContents } from 'electron';
import { withCsp } from '../app/csp.ts';
import { allowNavigation } from './navigation.ts';
import { refuseBluetoothChooser } from './permissions.ts';
import { windowOptions } from './window-options.ts';

/** Puts our CSP on every response the session receives. */
export function applyCsp(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders) }));
}

/** Keeps `contents` on `appUrl`: other navigations, redirects, new windows and webviews are refused. */
export function guardNavigation(contents: WebContents, appUrl: string): void {
  contents.on('will-navigate', (event) => {
    if (!allowNavigation(event.url, appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!allowNavigation(event.url, appUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function createMainWindow(options: { preload: string; appUrl: string; dark?: boolean }): BrowserWindow {
  const win = new BrowserWindow(windowOptions({ preload: options.preload, dark: options.dark ?? false }));
  guardNavigation(win.webContents, options.appUrl);
  refuseBluetoothChooser(win.webContents);
  win.once('ready-to-show', () => win.show());
  return win;
}
