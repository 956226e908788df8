import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidAddressError, normaliseAddress, requireAddress } from '../../src-main/hub/discovery/address.ts';
import { PairedDevices } from '../../src-main/hub/store/paired-devices.ts';

describe('addresses', () => {
  it('accepts colons, dashes, no separators and capitals', () => {
    for (const s of ['aa:bb:cc:dd:ee:01', 'AA:BB:CC:DD:EE:01', 'aa-bb-cc-dd-ee-01', 'AABBCCDDEE01', '  aa:bb:cc:dd:ee:01 ']) {
      expect(normaliseAddress(s)).toBe('aa:bb:cc:dd:ee:01');
    }
  });

  it('rejects anything else', () => {
    for (const s of ['', 'pico1', 'zz:bb:cc:dd:ee:01', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:01:02', 'aa:bb-cc:dd:ee:01', 'aab:bcc:dde:e01', 'aa::bb:cc:dd:ee:01']) {
      expect(normaliseAddress(s), s).toBeNull();
      expect(() => requireAddress(s), s).toThrow(InvalidAddressError);
    }
    expect(() => requireAddress('pico1')).toThrow('"pico1" is not a Bluetooth address like aa:bb:cc:dd:ee:ff');
  });
});

describe('paired devices by address', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the colon form and finds a device by any spelling of its address', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'picolink-paired-'));
    const file = path.join(dir, 'paired.json');
    const { store } = PairedDevices.load(file);
    await store.add({ address: 'AA-BB-CC-DD-EE-01', name: 'pico1', profile: 'picolink' });
    expect(store.list().map((d) => d.address)).toEqual(['aa:bb:cc:dd:ee:01']);
    expect(store.has('aabbccddee01')).toBe(true);
    expect(store.find('AA:BB:CC:DD:EE:01').map((d) => d.name)).toEqual(['pico1']);
    expect(store.has('pico1')).toBe(false);
    expect(await store.remove('pico1')).toBe(false);
    await expect(store.add({ address: 'pico2', name: 'pico2', profile: null })).rejects.toThrow(InvalidAddressError);
    expect(JSON.parse(readFileSync(file, 'utf8')).devices).toHaveLength(1);
  });
});
