// The application menu. A template builder with the actions passed in, so the menu's contents
// (what dev mode adds, what About says) are testable without Electron.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  /** File > Export...: the renderer opens its export panel (the save dialog comes from there). */
  exportLog(): void;
  about(): void;
}

export interface MenuInput {
  dev: boolean;
  platform: NodeJS.Platform;
  actions: MenuActions;
}

export function menuTemplate({ dev, platform, actions }: MenuInput): MenuItemConstructorOptions[] {
  const about: MenuItemConstructorOptions = { label: 'About PicoLink', click: () => actions.about() };
  const template: MenuItemConstructorOptions[] = [];
  // macOS puts About and Quit in the menu named after the app.
  if (platform === 'darwin') template.push({ label: 'PicoLink', submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] });
  template.push({
    label: '&File',
    submenu: [
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.exportLog() },
      ...(platform === 'darwin' ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  });
  if (platform === 'darwin') template.push({ role: 'editMenu' });
  template.push({
    label: '&View',
    submenu: [
      // Reload would drop the renderer's charts mid-run, and devtools open the API to a console:
      // both only for development.
      ...(dev ? [{ role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  if (platform !== 'darwin') template.push({ label: '&Help', submenu: [about] });
  else template.push({ role: 'help', submenu: [about] });
  return template;
}

export interface AboutInfo {
  version: string;
  electron: string | null;
  chrome: string | null;
  node: string;
  logFile: string;
}

/** The About box's text: what a bug report needs. */
export function aboutDetail(info: AboutInfo): string {
  return [
    `Version ${info.version}`,
    `Electron ${info.electron ?? '-'}`,
    `Chromium ${info.chrome ?? '-'}`,
    `Node ${info.node}`,
    '',
    `Log file: ${info.logFile}`,
  ].join('\n');
}
