// What the scan has seen: one entry per address with name, smoothed RSSI, last seen and profile.
// Entries that stop advertising turn stale and then age out, so the list shows what is around.
// The list is bounded: phones rotate random addresses, and a rogue advertiser can make up a new
// one per packet, so past `maxDevices` the entry heard longest ago goes (counted in `evicted`).
// The map is kept in order of last sighting (an entry moves to the end when heard), so that one
// is found first.
import { EventEmitter } from 'node:events';
import { normaliseAddress } from './address.ts';
import type { Profile } from './profile.ts';

export interface Sighting {
  address: string;
  name: string | null;
  rssi: number;
  profile: Profile | null;
  connectable: boolean;
  /** Which adapter heard it. */
  adapter: string;
}

export interface DiscoveredDevice {
  address: string;
  name: string | null;
  /** Exponentially smoothed RSSI, dBm. */
  rssi: number;
  lastRssi: number;
  profile: Profile | null;
  connectable: boolean;
  firstSeen: number;
  lastSeen: number;
  /** Adapters that heard it, with when they last did. */
  adapters: Map<string, number>;
  stale: boolean;
}

export interface DeviceListOptions {
  /** Weight of a new RSSI reading in the average. */
  rssiAlpha?: number;
  /** Not heard for this long: stale (still listed). */
  staleMs?: number;
  /** Not heard for this long: removed. */
  forgetMs?: number;
  /** Entries kept at most (default 256); the one heard longest ago makes room for a new one. */
  maxDevices?: number;
  /** Addresses never dropped to make room (the paired devices). */
  pinned?: (address: string) => boolean;
  now?: () => number;
}

export interface DeviceListEvents {
  seen: [DiscoveredDevice];
  added: [DiscoveredDevice];
  stale: [DiscoveredDevice];
  removed: [DiscoveredDevice];
  /** The first time the list is full and drops an entry to make room: its bound. */
  overflow: [number];
}

export class DeviceList extends EventEmitter<DeviceListEvents> {
  private readonly devices = new Map<string, DiscoveredDevice>();
  private readonly alpha: number;
  private readonly staleMs: number;
  private readonly forgetMs: number;
  private readonly maxDevices: number;
  private readonly pinned: (address: string) => boolean;
  private readonly now: () => number;
  /** Entries dropped to make room, since the list was made. */
  evicted = 0;

  constructor(options: DeviceListOptions = {}) {
    super();
    this.alpha = options.rssiAlpha ?? 0.25;
    this.staleMs = options.staleMs ?? 10_000;
    this.forgetMs = options.forgetMs ?? 60_000;
    this.maxDevices = Math.max(1, options.maxDevices ?? 256);
    this.pinned = options.pinned ?? (() => false);
    this.now = options.now ?? Date.now;
  }

  record(s: Sighting): DiscoveredDevice {
    const t = this.now();
    let d = this.devices.get(s.address);
    const fresh = !d;
    if (!d) {
      this.makeRoom();
      d = {
        address: s.address,
        name: s.name,
        rssi: s.rssi,
        lastRssi: s.rssi,
        profile: s.profile,
        connectable: s.connectable,
        firstSeen: t,
        lastSeen: t,
        adapters: new Map(),
        stale: false,
      };
      this.devices.set(s.address, d);
    } else {
      // Name and services may arrive in different packets (advertisement, scan response): keep what we know.
      if (s.name) d.name = s.name;
      if (s.profile) d.profile = s.profile;
      // 127 dBm means "not available" (Core 5.4 Vol 4 Part E 7.7.65.2): keep the average.
      if (s.rssi !== 127) d.rssi = Math.round((d.rssi + this.alpha * (s.rssi - d.rssi)) * 10) / 10;
      d.lastRssi = s.rssi;
      d.connectable = s.connectable;
      d.lastSeen = t;
      d.stale = false;
      this.devices.delete(s.address);
      this.devices.set(s.address, d);
    }
    d.adapters.set(s.adapter, t);
    if (fresh) this.emit('added', d);
    this.emit('seen', d);
    return d;
  }

  /** Drops the entry heard longest ago that is not pinned, while the list is full. */
  private makeRoom(): void {
    while (this.devices.size >= this.maxDevices) {
      let victim: DiscoveredDevice | undefined;
      for (const d of this.devices.values()) {
        if (!this.pinned(d.address)) {
          victim = d;
          break;
        }
      }
      // Only pinned entries: they are bounded by the paired list, so the list may exceed its bound by those.
      if (!victim) return;
      this.devices.delete(victim.address);
      if (this.evicted++ === 0) this.emit('overflow', this.maxDevices);
      this.emit('removed', victim);
    }
  }

  /** Marks and removes old entries; call periodically. */
  sweep(): void {
    const t = this.now();
    for (const d of this.devices.values()) {
      const age = t - d.lastSeen;
      if (age > this.forgetMs) {
        this.devices.delete(d.address);
        this.emit('removed', d);
      } else if (age > this.staleMs && !d.stale) {
        d.stale = true;
        this.emit('stale', d);
      }
    }
  }

  get(address: string): DiscoveredDevice | undefined {
    return this.devices.get(address);
  }

  /** By address (any case, with or without colons) or exact name. */
  find(nameOrAddress: string): DiscoveredDevice | undefined {
    const a = normaliseAddress(nameOrAddress);
    if (a) return this.devices.get(a);
    return [...this.devices.values()].find((d) => d.name === nameOrAddress);
  }

  list(): DiscoveredDevice[] {
    return [...this.devices.values()];
  }

  clear(): void {
    this.devices.clear();
  }
}
