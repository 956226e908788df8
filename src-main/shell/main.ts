// PicoLink's Electron entry: one instance, the hub service, the window, the menu, a clean quit.
//
// Where the hub runs: in the main process, not a utilityProcess. Its work there is I/O and
// bookkeeping (noble's HCI traffic, one SQLite commit per 250 ms, one sample batch per 100 ms,
// one status per 500 ms); the simulator's MicroPython boards already run in worker threads
// (src-main/pico/board.ts), so the CPU-heavy part of a --sim run never touches this loop. What
// would argue for a utilityProcess is the main loop being too busy to answer the window: the
// hub bench (`npm run bench`) prints the event-loop lag p99 under load, and while that stays well
// under a frame (16.7 ms) a second process buys nothing but a second hop for every sample and
// a second place for native modules to be built for. If that figure ever says otherwise, the move
// is mechanical: HubService's handle()/on() is already message-shaped and has no Electron import.
//
// Bundling: this file, the hub service and everything below it are one bundle, dist/shell/main.cjs
// (scripts/build-main.mjs); no TypeScript is compiled at run time. Files read at run time (the
// renderer, the boards' worker, firmware and Python shims) are found by resources/resource-paths.ts,
// the same from the repository and from the packaged app.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, session } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HubService } from '../app/hub-service.ts';
import { appDataDir } from '../hub/store/app-data.ts';
import { SQLITE_BINDING_ENV } from '../hub/store/sqlite-binding.ts';
import { resourcePaths } from '../resources/resource-paths.ts';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, serveAppRequest } from './app-protocol.ts';
import { parseShellArgs, ShellArgsError, type ShellArgs } from './args.ts';
import { registerIpc } from './ipc.ts';
import { EVENT_CHANNEL } from './ipc-channels.ts';
import { aboutDetail, menuTemplate } from './menu.ts';
import { isTrustedFrame } from './navigation.ts';
import { applyPermissionPolicy } from './permissions.ts';
import { applyCsp, createMainWindow } from './window.ts';

const resources = resourcePaths();
const appUrl = APP_URL;

async function chooseExportFile(win: BrowserWindow | null, format: 'csv' | 'ndjson'): Promise<string | null> {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const options = {
    title: 'Export the log',
    defaultPath: path.join(app.getPath('documents'), `picolink-${stamp}.${format}`),
    filters: format === 'csv' ? [{ name: 'CSV', extensions: ['csv'] }] : [{ name: 'NDJSON', extensions: ['ndjson', 'jsonl'] }],
  };
  const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  return r.canceled || !r.filePath ? null : r.filePath;
}

/** A simulator group's firmware folder: the path stays in main (HubService's chosen folders). */
async function chooseFirmwareFolder(win: BrowserWindow | null): Promise<string | null> {
  const options = { title: 'Firmware folder for the virtual Picos', properties: ['openDirectory' as const] };
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

async function run(args: ShellArgs): Promise<void> {
  await app.whenReady();
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(resources.rendererDir, request));
  applyCsp(session.defaultSession);
  applyPermissionPolicy(session.defaultSession, appUrl);
  let win: BrowserWindow | null = null;

  // The repository's node_modules holds better-sqlite3 built for plain Node (the tests' ABI);
  // `npm start` runs with the Electron build beside it (scripts/electron-native.mjs).
  if (resources.electronSqlite && existsSync(resources.electronSqlite)) process.env[SQLITE_BINDING_ENV] ??= resources.electronSqlite;
  // Loaded only now, as it was before the bundle: nothing of the hub (noble, SQLite, the radio)
  // runs before Electron is ready or for arguments that were refused. esbuild inlines it.
  const { HubService } = await import('../app/hub-service.ts');
  const service: HubService = await HubService.create({
    // The CLI's folder, not Electron's userData: both see the same paired devices and log.
    home: appDataDir(),
    ...(args.sim ? { settings: { adapter: { kind: 'sim', picos: args.sim } } } : {}),
    chooseFile: (format) => chooseExportFile(win, format),
    chooseFolder: () => chooseFirmwareFolder(win),
  });

  const ipc = registerIpc(ipcMain, service, (frame) => isTrustedFrame(frame, appUrl));
  const settings = await service.handle('settings.get', {});
  const dark = settings.theme === 'dark' || (settings.theme === 'system' && nativeTheme.shouldUseDarkColors);
  win = createMainWindow({ preload: resources.preload, appUrl, dark });
  const stopForwarding = ipc.forwardEvents(win.webContents);
  win.on('closed', () => {
    stopForwarding();
    win = null;
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        dev: args.dev || !app.isPackaged,
        platform: process.platform,
        actions: {
          exportLog: () => win?.webContents.send(EVENT_CHANNEL, 'menu', { action: 'export' }),
          about: () => {
            void service.handle('app.info', {}).then((info) =>
              dialog.showMessageBox({
                type: 'info',
                title: 'About PicoLink',
                message: `PicoLink ${info.version}`,
                detail: aboutDetail({ ...info, chrome: process.versions.chrome ?? null }),
              }),
            );
          },
        },
      }),
    ),
  );

  // Quit waits for the links to close and the log to be flushed: preventDefault once, stop, exit.
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    ipc.dispose();
    service.stop().then(
      () => app.exit(0),
      (e: Error) => {
        console.error(`picolink: stopping the hub failed: ${e.message}`);
        app.exit(1);
      },
    );
  });
  app.on('window-all-closed', () => app.quit());
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  await win.loadURL(appUrl);
}

function main(): void {
  // A second PicoLink would fight the first over the adapters and the log file.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Only possible before the app is ready; the handler comes once it is (run).
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  let args: ShellArgs;
  try {
    args = parseShellArgs(process.argv.slice(1));
  } catch (e) {
    if (!(e instanceof ShellArgsError)) throw e;
    dialog.showErrorBox('PicoLink', e.message);
    app.exit(2);
    return;
  }
  run(args).catch((e: Error) => {
    dialog.showErrorBox('PicoLink could not start', `${e.message}\n\n${e.stack ?? ''}`);
    app.exit(1);
  });
}

main();
