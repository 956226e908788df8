// What the page may ask the browser for. Electron grants every permission request by default
// (camera, microphone, geolocation, notifications...) and, for Web Bluetooth, picks the first
// device it finds when no one decides. The dashboard needs one thing: writing the Linux fix
// command to the clipboard (AdapterBanner). Everything else is refused, for every origin, and
// the device choosers (Bluetooth, HID, serial, USB) are cancelled: the hub, not the page, talks
// to radios and serial ports.
import type { Session, WebContents } from 'electron';
import { isAppUrl } from './navigation.ts';

/** Permissions our page gets, and only our page's top frame. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** The one decision both handlers make. */
export function permits(permission: string, requestingUrl: string | undefined, isMainFrame: boolean, appUrl: string): boolean {
  return GRANTED_PERMISSIONS.has(permission) && isMainFrame && requestingUrl !== undefined && isAppUrl(requestingUrl, appUrl);
}

export type PermissionSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'setBluetoothPairingHandler' | 'on'
>;

/**
 * Installs the handlers on `session`. A check may name only the asking origin
 * (`picolink://app`), not the page: that origin with the app page's path stands for it.
 */
export function applyPermissionPolicy(session: PermissionSession, appUrl: string): void {
  const page = new URL(appUrl).pathname;
  const urlOf = (origin: string): string | undefined => {
    try {
      return new URL(page, origin).href;
    } catch {
      return undefined;
    }
  };
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permits(permission, details.requestingUrl, details.isMainFrame, appUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permits(permission, details.requestingUrl ?? urlOf(requestingOrigin), details.isMainFrame, appUrl),
  );
  session.setDevicePermissionHandler(() => false);
  session.setBluetoothPairingHandler((_details, callback) => callback({ confirmed: false }));
  // No chooser may pick a device on the page's behalf; an empty answer cancels the request.
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
}

/** Web Bluetooth's chooser is the window's, not the session's: cancel it there. */
export function refuseBluetoothChooser(contents: Pick<WebContents, 'on'>): void {
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}
