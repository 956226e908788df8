// The main window's options. Security settings are spelled out even where they are Electron's
// defaults, so a future default change (or a copied snippet) cannot loosen them unnoticed.
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  preload: string;
  /** Background while the renderer loads, so a dark theme does not flash white. */
  dark?: boolean;
}

export function windowOptions({ preload, dark = false }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'PicoLink',
    show: false,
    backgroundColor: dark ? '#16181d' : '#ffffff',
    webPreferences: {
      preload,
      // The renderer shows data from radios it does not control: it gets no Node, no shared
      // JavaScript world with the preload, and runs in Chromium's OS sandbox.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}
