// The contract's Boards on USB and simulator-group parts (issue 16 points 2 and 3): the Install
// form's config as firmware/config.py can hold it, install requests that name nothing but a port
// and a config, and settings files from before the groups still reading.
import { describe, expect, it } from 'vitest';
import { events, installConfigSchema, parseRequest, settingsSchema, DEFAULT_SETTINGS } from '../../src-main/ipc/contract.ts';

describe('usb in the contract', () => {
  it('takes a config.py NAME of 1 to 29 characters (firmware/config.py) without quotes or escapes', () => {
    expect(installConfigSchema.parse({ name: ' kitchen-1 ', role: 'peripheral' })).toEqual({ name: 'kitchen-1', role: 'peripheral' });
    expect(installConfigSchema.safeParse({ name: 'x'.repeat(29), role: 'central', peer: 'kitchen-1', app: 'hello' }).success).toBe(true);
    for (const name of ['', 'x'.repeat(30), 'a"b', "a'b", 'a\\nb', 'a\nb', 'é']) {
      expect(installConfigSchema.safeParse({ name, role: 'peripheral' }).success, JSON.stringify(name)).toBe(false);
    }
    expect(installConfigSchema.safeParse({ name: 'a', role: 'observer' }).success).toBe(false);
    expect(installConfigSchema.safeParse({ name: 'a', role: 'central', app: 'os.system' }).success).toBe(false);
  });

  it('refuses an install request that carries anything besides the port and the config', () => {
    const config = { name: 'kitchen', role: 'peripheral' };
    expect(parseRequest('usb.install', { path: '/dev/ttyACM0', config }).payload).toEqual({ path: '/dev/ttyACM0', config });
    expect(() => parseRequest('usb.install', { path: '/dev/ttyACM0', config, firmwareDir: '/etc' })).toThrow(/bad usb.install request/);
    expect(() => parseRequest('usb.install', { path: '/dev/ttyACM0', config: { ...config, extra: 1 } })).toThrow(/bad usb.install request/);
    expect(() => parseRequest('usb.install', { path: '', config })).toThrow(/bad usb.install request/);
  });

  it('carries each ending of an install with its code', () => {
    expect(events['usb.done'].safeParse({ path: 'p', ok: true, version: '1.0', files: 3, bytes: 10 }).success).toBe(true);
    expect(events['usb.done'].safeParse({ path: 'p', ok: false, code: 'no-answer', message: 'm', hint: '' }).success).toBe(true);
    expect(events['usb.done'].safeParse({ path: 'p', ok: false, code: 'on-fire', message: 'm', hint: '' }).success).toBe(false);
  });
});

describe('simulator groups in the settings', () => {
  it('reads the plain simulator setting of older files, and groups with a folder each', () => {
    expect(settingsSchema.parse({ ...DEFAULT_SETTINGS, adapter: { kind: 'sim', picos: 4 } }).adapter).toEqual({ kind: 'sim', picos: 4 });
    const groups = [
      { count: 2, firmwareDir: null },
      { count: 1, firmwareDir: '/home/maker/tutorial' },
    ];
    expect(settingsSchema.parse({ ...DEFAULT_SETTINGS, adapter: { kind: 'sim', picos: 3, groups } }).adapter).toEqual({ kind: 'sim', picos: 3, groups });
  });

  it('refuses a group without boards, too many groups, or a group with other keys', () => {
    const bad = [
      [{ count: 0, firmwareDir: null }],
      Array.from({ length: 9 }, () => ({ count: 1, firmwareDir: null })),
      [{ count: 1, firmwareDir: null, heap: 1 }],
      [{ count: 1, firmwareDir: '' }],
      [],
    ];
    for (const groups of bad) expect(settingsSchema.safeParse({ ...DEFAULT_SETTINGS, adapter: { kind: 'sim', picos: 1, groups } }).success, JSON.stringify(groups)).toBe(false);
  });
});
