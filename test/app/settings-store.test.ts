// Settings on disk: defaults when missing, round trip, partial files, damaged files set aside.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SETTINGS_FILE, SettingsStore } from '../../src-main/app/settings-store.ts';
import { DEFAULT_SETTINGS } from '../../src-main/ipc/contract.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (): string => path.join(dir, SETTINGS_FILE);

describe('SettingsStore', () => {
  it('starts from the defaults when there is no file, and creates none until a change', () => {
    const { store, warning } = SettingsStore.load(dir);
    expect(warning).toBeUndefined();
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(existsSync(file())).toBe(false);
  });

  it('saves a change atomically and reads it back in a new store', async () => {
    const { store } = SettingsStore.load(dir);
    await store.update({ pingHz: 20, adapter: { kind: 'sim', picos: 3 } });
    await store.update({ theme: 'dark' });
    const saved = { ...DEFAULT_SETTINGS, pingHz: 20, adapter: { kind: 'sim', picos: 3 }, theme: 'dark' };
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ version: 1, ...saved });
    // No temporary file left beside it.
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE]);
    expect(SettingsStore.load(dir).store.get()).toEqual(saved);
  });

  it('keeps the last of several concurrent changes', async () => {
    const { store } = SettingsStore.load(dir);
    await Promise.all([store.update({ pingHz: 1 }), store.update({ pingHz: 2 }), store.update({ pingHz: 3 })]);
    expect(SettingsStore.load(dir).store.get().pingHz).toBe(3);
  });

  it('refuses an invalid value and keeps the previous settings', async () => {
    const { store } = SettingsStore.load(dir);
    await store.update({ pingHz: 5 });
    await expect(store.update({ pingHz: 1000 })).rejects.toThrow();
    expect(store.get().pingHz).toBe(5);
    expect(SettingsStore.load(dir).store.get().pingHz).toBe(5);
  });

  it('keeps the log retention setting, within its limits', async () => {
    const { store } = SettingsStore.load(dir);
    expect(store.get()).toMatchObject({ logKeepDays: 365, logKeepGb: 2 });
    await store.update({ logKeepDays: 30, logKeepGb: 0.5 });
    expect(SettingsStore.load(dir).store.get()).toMatchObject({ logKeepDays: 30, logKeepGb: 0.5 });
    await expect(store.update({ logKeepDays: 0 })).rejects.toThrow();
    await expect(store.update({ logKeepGb: 0.01 })).rejects.toThrow();
    expect(store.get()).toMatchObject({ logKeepDays: 30, logKeepGb: 0.5 });
  });

  it('fills keys missing from an older file with defaults', () => {
    writeFileSync(file(), JSON.stringify({ version: 1, theme: 'light' }));
    const { store, warning } = SettingsStore.load(dir);
    expect(warning).toBeUndefined();
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, theme: 'light' });
  });

  it.each([
    ['not JSON', '{"pingHz": 1', /is not valid JSON/],
    ['a wrong value', JSON.stringify({ version: 1, pingHz: 'fast' }), /expected contents/],
    ['a newer format', JSON.stringify({ version: 2, pingHz: 5 }), /newer PicoLink/],
  ])('sets aside a file with %s, warns and uses the defaults', (_what, text, why) => {
    writeFileSync(file(), text);
    const { store, warning } = SettingsStore.load(dir);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(warning).toMatch(why);
    expect(existsSync(file())).toBe(false);
    const aside = readdirSync(dir).filter((n) => n.startsWith(`${SETTINGS_FILE}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(warning).toContain(aside[0]);
    expect(readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(text);
  });
});
