// Settings and the paired list when the disk is full, on any machine: the file's data write fails
// with ENOSPC as it does on a full file system (the file is created, its bytes are refused).
// A failed save must leave memory and the file as they were. (log-disk-full.int.test.ts does the
// same on a real full tmpfs where it can mount one.)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SETTINGS_FILE, SettingsStore } from '../../src-main/app/settings-store.ts';
import { FileSaveError } from '../../src-main/hub/store/atomic-write.ts';
import { PairedDevices } from '../../src-main/hub/store/paired-devices.ts';

const disk = vi.hoisted(() => ({ full: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args) => {
    const fh = await real.open(...args);
    if (disk.full && args[1] === 'w') {
      fh.writeFile = async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      };
    }
    return fh;
  };
  return { ...real, open, default: { ...real, open } };
});

const A = 'aa:bb:cc:dd:ee:01';
const B = 'aa:bb:cc:dd:ee:02';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-enospc-'));
  disk.full = false;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('saves at ENOSPC', () => {
  it('settings: the change is refused, memory and file keep the old settings, and the next save works', async () => {
    const { store } = SettingsStore.load(dir);
    await store.update({ pingHz: 20 });
    const file = path.join(dir, SETTINGS_FILE);
    const before = readFileSync(file, 'utf8');

    disk.full = true;
    const failed = store.update({ pingHz: 50, theme: 'dark' });
    await expect(failed).rejects.toBeInstanceOf(FileSaveError);
    await expect(failed).rejects.toThrow(/disk is full \(ENOSPC\)/);
    expect(store.get()).toMatchObject({ pingHz: 20, theme: 'system' });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE]); // no temporary file left

    disk.full = false;
    await store.update({ theme: 'dark' });
    // The refused pingHz did not sneak in with the next change.
    expect(SettingsStore.load(dir).store.get()).toMatchObject({ pingHz: 20, theme: 'dark' });
  });

  it('paired list: add and remove are refused, the list in memory and on disk is unchanged', async () => {
    const file = path.join(dir, 'paired.json');
    const { store } = PairedDevices.load(file);
    await store.add({ address: A, name: 'pico1', profile: 'picolink' });
    const before = readFileSync(file, 'utf8');

    disk.full = true;
    await expect(store.add({ address: B, name: 'pico2', profile: 'picolink' })).rejects.toThrow(/disk is full/);
    await expect(store.remove(A)).rejects.toThrow(/disk is full/);
    expect(store.list().map((d) => d.address)).toEqual([A]);
    expect(store.has(B)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(before);

    disk.full = false;
    await store.add({ address: B, name: 'pico2', profile: 'picolink' });
    expect(PairedDevices.load(file).store.list().map((d) => d.address)).toEqual([A, B]);
  });
});
