// The menu's contents, the About text, and the shell's command line.
import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { aboutDetail, menuTemplate } from '../../src-main/shell/menu.ts';
import { parseShellArgs } from '../../src-main/shell/args.ts';

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [i.role ?? i.label ?? i.type ?? '', ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
}

describe('application menu', () => {
  const actions = { exportLog: vi.fn(), about: vi.fn() };
  it('has File (Export..., Quit), View (zoom) and Help (About); reload and devtools only in dev', () => {
    const prod = menuTemplate({ dev: false, platform: 'linux', actions });
    expect(prod.map((m) => m.label)).toEqual(['&File', '&View', '&Help']);
    expect(roles(prod)).toEqual(expect.arrayContaining(['Export…', 'quit', 'resetZoom', 'zoomIn', 'zoomOut', 'About PicoLink']));
    expect(roles(prod)).not.toContain('toggleDevTools');
    expect(roles(prod)).not.toContain('reload');
    expect(roles(menuTemplate({ dev: true, platform: 'linux', actions }))).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('calls the actions', () => {
    const m = menuTemplate({ dev: false, platform: 'win32', actions });
    const find = (label: string) => m.flatMap((i) => (Array.isArray(i.submenu) ? i.submenu : [])).find((i) => i.label === label)!;
    (find('Export…').click as () => void)();
    (find('About PicoLink').click as () => void)();
    expect(actions.exportLog).toHaveBeenCalledTimes(1);
    expect(actions.about).toHaveBeenCalledTimes(1);
  });

  it('puts About and Quit in the app menu on macOS', () => {
    const m = menuTemplate({ dev: false, platform: 'darwin', actions });
    expect(m[0]!.label).toBe('PicoLink');
    expect(roles([m[0]!])).toEqual(expect.arrayContaining(['About PicoLink', 'quit']));
  });

  it('About shows the versions and the log file', () => {
    const text = aboutDetail({ version: '0.1.0', electron: '41.7.1', chrome: '146.0', node: '24.1.0', logFile: '/home/u/.local/share/picolink/log.sqlite' });
    expect(text).toContain('Version 0.1.0');
    expect(text).toContain('Electron 41.7.1');
    expect(text).toContain('Node 24.1.0');
    expect(text).toContain('Log file: /home/u/.local/share/picolink/log.sqlite');
  });
});

describe('shell arguments', () => {
  it('reads --sim N and --sim=N among Electron and Chromium switches', () => {
    expect(parseShellArgs(['dist/shell/main.cjs', '--sim', '4'])).toEqual({ sim: 4, dev: false });
    expect(parseShellArgs(['--no-sandbox', '--sim=2', '--dev'])).toEqual({ sim: 2, dev: true });
    expect(parseShellArgs(['.'])).toEqual({ sim: null, dev: false });
  });
  it('refuses a bad Pico count with the usage', () => {
    expect(() => parseShellArgs(['--sim'])).toThrow(/--sim takes a number of Picos from 1 to 64/);
    expect(() => parseShellArgs(['--sim', '0'])).toThrow(/1 to 64/);
    expect(() => parseShellArgs(['--sim', '65'])).toThrow(/1 to 64/);
    expect(() => parseShellArgs(['--sim', 'four'])).toThrow(/1 to 64/);
  });
});
