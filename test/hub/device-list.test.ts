import { describe, expect, it } from 'vitest';
import { DeviceList, type DiscoveredDevice, type Sighting } from '../../src-main/hub/discovery/device-list.ts';
import { PICOLINK_SERVICE, profileOf } from '../../src-main/hub/discovery/profile.ts';

const sighting = (over: Partial<Sighting> = {}): Sighting => ({
  address: 'aa:bb:cc:dd:ee:01',
  name: 'pico1',
  rssi: -60,
  profile: 'picolink',
  connectable: true,
  adapter: 'hci0',
  ...over,
});

describe('device list', () => {
  it('smooths RSSI, keeps the name across packets, and records each adapter', () => {
    let now = 1000;
    const list = new DeviceList({ now: () => now });
    const added: DiscoveredDevice[] = [];
    list.on('added', (d) => added.push(d));
    list.record(sighting({ rssi: -60 }));
    now = 1100;
    list.record(sighting({ rssi: -80, name: null, profile: null, adapter: 'hci1' }));
    const d = list.get('aa:bb:cc:dd:ee:01')!;
    expect(added).toHaveLength(1);
    expect(d.rssi).toBe(-65);
    expect(d.lastRssi).toBe(-80);
    expect(d.name).toBe('pico1');
    expect(d.profile).toBe('picolink');
    expect([...d.adapters]).toEqual([
      ['hci0', 1000],
      ['hci1', 1100],
    ]);
    // 127: RSSI not available, which must not drag the average.
    list.record(sighting({ rssi: 127 }));
    expect(list.get('aa:bb:cc:dd:ee:01')!.rssi).toBe(-65);
  });

  it('marks silent devices stale, then forgets them', () => {
    let now = 0;
    const list = new DeviceList({ now: () => now, staleMs: 10, forgetMs: 30 });
    const events: string[] = [];
    list.on('stale', (d) => events.push(`stale ${d.name}`));
    list.on('removed', (d) => events.push(`removed ${d.name}`));
    list.record(sighting());
    now = 11;
    list.sweep();
    list.sweep();
    expect(list.get('aa:bb:cc:dd:ee:01')!.stale).toBe(true);
    list.record(sighting());
    expect(list.get('aa:bb:cc:dd:ee:01')!.stale).toBe(false);
    now = 42;
    list.sweep();
    expect(list.list()).toHaveLength(0);
    expect(events).toEqual(['stale pico1', 'removed pico1']);
  });

  it('finds by address in any spelling, or by exact name', () => {
    const list = new DeviceList();
    list.record(sighting());
    expect(list.find('AA-BB-CC-DD-EE-01')?.name).toBe('pico1');
    expect(list.find('aabbccddee01')?.name).toBe('pico1');
    expect(list.find('pico1')?.address).toBe('aa:bb:cc:dd:ee:01');
    expect(list.find('pico2')).toBeUndefined();
  });

  it('tells profiles from advertised services', () => {
    expect(profileOf([PICOLINK_SERVICE])).toBe('picolink');
    expect(profileOf(['1848'])).toBe('tutorial');
    expect(profileOf(['0000181a-0000-1000-8000-00805f9b34fb'])).toBe('tutorial');
    expect(profileOf(['6e400001b5a3f393e0a9e50e24dcca9e'])).toBe('nus');
    expect(profileOf(['180f'])).toBeNull();
  });

  it('stays bounded under a flood of random addresses: the stalest go, counted, and pinned entries stay', () => {
    let now = 0;
    const paired = 'aa:bb:cc:dd:ee:01';
    const list = new DeviceList({ now: () => now, maxDevices: 100, pinned: (a) => a === paired });
    const overflow: number[] = [];
    let removed = 0;
    list.on('overflow', (max) => overflow.push(max));
    list.on('removed', () => removed++);
    list.record(sighting({ address: paired }));
    list.record(sighting({ address: 'aa:bb:cc:dd:ee:02', name: 'pico2' }));
    const random = (): string => Array.from({ length: 6 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join(':');
    for (let i = 0; i < 50_000; i++) {
      now++;
      list.record(sighting({ address: random(), name: null, profile: null }));
      // A real neighbour keeps advertising through the flood and so keeps its place.
      if (i % 50 === 0) list.record(sighting({ address: 'aa:bb:cc:dd:ee:02', name: 'pico2' }));
      expect(list.list().length).toBeLessThanOrEqual(100);
    }
    expect(list.list()).toHaveLength(100);
    expect(list.get(paired)).toBeDefined();
    expect(list.get('aa:bb:cc:dd:ee:02')?.name).toBe('pico2');
    expect(list.evicted).toBe(50_000 + 2 - 100);
    expect(removed).toBe(list.evicted);
    expect(overflow).toEqual([100]);
    // What remains is what was heard last.
    const kept = list.list().filter((d) => d.address !== paired);
    expect(Math.min(...kept.map((d) => d.lastSeen))).toBeGreaterThan(50_000 - 100);
  });
});
