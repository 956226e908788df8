// One Bluetooth adapter as the hub uses it: a noble instance, its state, a continuous scan, and
// LE connection creation one at a time (noble pauses the scan to connect; we resume it after).
import { EventEmitter } from 'node:events';
import type { Noble, Peripheral } from '@stoprocent/noble';
import { profileOf } from '../discovery/profile.ts';
import type { Sighting } from '../discovery/device-list.ts';
import { adapterStateMessage, type AdapterTransport } from './adapter-state.ts';

/** noble's connection parameters, in the spec's units (Core 5.4 Vol 4 Part E 7.8.12). */
export interface ConnectParams {
  /** Connection interval, 1.25 ms units. */
  minInterval: number;
  maxInterval: number;
  latency: number;
  /** Supervision timeout, 10 ms units. */
  timeout: number;
}

/** How soon the scan resumes after noble reports it stopped (or the adapter came on). */
const SCAN_RESUME_MS = 20;

export const DEFAULT_CONNECT_PARAMS: ConnectParams = { minInterval: 12, maxInterval: 12, latency: 0, timeout: 100 };

export interface AdapterEvents {
  state: [state: string, message: string];
  sighting: [Sighting];
  /** A connection slot or a link went free: waiting devices may try again. */
  room: [];
}

interface SlotRequest {
  owner: object;
  grant: () => void;
}

export class Adapter extends EventEmitter<AdapterEvents> {
  state = 'unknown';
  /** Links held through this adapter, by address. */
  readonly links = new Set<string>();
  /**
   * Addresses this adapter's scan reported since it last came on. noble forgets every
   * peripheral when its adapter goes off, and a connection to one it has not rediscovered
   * completes unseen by it (its "unknown peripheral connected" warning): the link would be lost.
   */
  private readonly heard = new Set<string>();
  /** Connections this adapter allows; learned from Connection Limit Exceeded when not given. */
  limit: number;
  readonly transport: AdapterTransport;
  private readonly queue: SlotRequest[] = [];
  private slotOwner: object | null = null;
  private wantScan = false;
  private scanning = false;
  private stopped = false;
  private readonly onState = (s: string): void => this.stateChanged(s);
  private readonly onDiscover = (p: Peripheral): void => this.discovered(p);
  private readonly onScanStop = (): void => {
    this.scanning = false;
    if (this.restarting) {
      this.restarting = false;
      this.nextSlot();
    }
    // Not from inside noble's own event: it emits scanStop while it is in the middle of starting
    // a scan (its first step is a disable), and starting another there would loop.
    this.scheduleResume();
  };
  private resumeTimer: NodeJS.Timeout | undefined;
  private wasOn = false;
  private restarting = false;
  private readonly onWarning = (): void => {};

  constructor(
    readonly name: string,
    readonly noble: Noble,
    options: { maxConnections?: number; transport?: AdapterTransport } = {},
  ) {
    super();
    this.limit = options.maxConnections ?? Infinity;
    this.transport = options.transport ?? 'os';
  }

  start(): void {
    this.noble.on('stateChange', this.onState);
    this.noble.on('discover', this.onDiscover);
    this.noble.on('scanStop', this.onScanStop);
    // noble reports unknown handles and the like as warnings; they are not ours to act on.
    this.noble.on('warning', this.onWarning);
    this.wantScan = true;
    if (this.noble.state === 'poweredOn') this.stateChanged('poweredOn');
  }

  get poweredOn(): boolean {
    return this.state === 'poweredOn';
  }

  /** Room for one more link, counting the one being created. */
  hasRoom(): boolean {
    return this.poweredOn && this.links.size + (this.slotOwner ? 1 : 0) < this.limit;
  }

  /** Whether noble can connect to `address` through this adapter now (see `heard`). */
  canReach(address: string): boolean {
    return this.poweredOn && this.heard.has(address);
  }

  /** Queues `owner` for the LE connection creation slot; `grant` runs when it is theirs. */
  requestSlot(owner: object, grant: () => void): void {
    if (this.slotOwner === owner || this.queue.some((r) => r.owner === owner)) return;
    this.queue.push({ owner, grant });
    this.nextSlot();
  }

  releaseSlot(owner: object): void {
    const i = this.queue.findIndex((r) => r.owner === owner);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.slotOwner !== owner) return;
    this.slotOwner = null;
    this.resumeScan();
    this.nextSlot();
    this.emit('room');
  }

  addLink(address: string): void {
    this.links.add(address);
  }

  removeLink(address: string): void {
    if (this.links.delete(address)) this.emit('room');
  }

  /** Learns the adapter's connection limit from a refusal. */
  limitReached(): void {
    this.limit = Math.max(1, this.links.size);
  }

  connect(address: string, params: ConnectParams, done: (error: Error | null, peripheral?: Peripheral) => void): void {
    const id = address.replace(/:/g, '');
    try {
      this.noble.connect(id, params, (error: Error | undefined, peripheral: Peripheral) => done(error ?? null, peripheral));
    } catch (e) {
      done(e as Error);
    }
  }

  cancelConnect(address: string): void {
    try {
      this.noble.cancelConnect(address.replace(/:/g, ''));
    } catch {
      // Nothing pending any more: the connection completed or failed meanwhile.
    }
  }

  stop(): void {
    this.stopped = true;
    this.wantScan = false;
    clearTimeout(this.resumeTimer);
    this.noble.off('stateChange', this.onState);
    this.noble.off('discover', this.onDiscover);
    this.noble.off('scanStop', this.onScanStop);
    this.noble.off('warning', this.onWarning);
    try {
      if (this.scanning) this.noble.stopScanning();
      this.noble.stop();
    } catch {
      // An adapter that is already gone has nothing to stop.
    }
  }

  private stateChanged(state: string): void {
    if (state === this.state) return;
    this.state = state;
    if (state !== 'poweredOn') {
      this.scanning = false;
      this.heard.clear();
      this.links.clear();
      this.slotOwner = null;
    } else if (this.wasOn) {
      // The controller restarted: noble's bindings still believe they are scanning and would
      // ignore a start, so stop first; its scanStop then resumes the scan for real. No
      // connection is created until then: one created meanwhile completes unseen by noble.
      this.restarting = true;
      try {
        this.noble.stopScanning();
      } catch {
        this.restarting = false;
      }
    }
    if (state === 'poweredOn') this.wasOn = true;
    this.emit('state', state, adapterStateMessage(state, this.name, process.platform, this.transport));
    if (state === 'poweredOn') {
      this.scheduleResume();
      this.nextSlot();
    }
  }

  private nextSlot(): void {
    if (this.slotOwner || !this.poweredOn || this.restarting) return;
    const next = this.queue.shift();
    if (!next) return;
    this.slotOwner = next.owner;
    next.grant();
  }

  private scheduleResume(): void {
    if (this.resumeTimer) return;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.resumeScan();
    }, SCAN_RESUME_MS);
    this.resumeTimer.unref();
  }

  private resumeScan(): void {
    // Creating a connection while scanning is refused by some controllers: noble stops the scan
    // for it, and we start it again once no creation is pending.
    if (!this.wantScan || this.stopped || this.scanning || this.slotOwner || !this.poweredOn) return;
    this.scanning = true;
    this.noble.startScanningAsync([], true).catch(() => {
      this.scanning = false;
    });
  }

  private discovered(p: Peripheral): void {
    // Some bindings report 'unknown' until they learn the address; the id is the address in hex.
    const known = p.address && p.address !== 'unknown';
    const address = (known ? p.address : (p.id.match(/../g)?.join(':') ?? p.id)).toLowerCase();
    this.heard.add(address);
    this.emit('sighting', {
      address,
      name: p.advertisement?.localName || null,
      rssi: p.rssi,
      profile: profileOf(p.advertisement?.serviceUuids ?? []),
      connectable: p.connectable !== false,
      adapter: this.name,
    });
  }
}
