// One Bluetooth adapter as the hub uses it: the driver of adapter-machine.ts. It turns noble's
// events into the machine's, runs the machine's effects against noble, takes time from the clock
// it is given, and queues every input (EventQueue) so each finishes before the next: a slot
// granted, released and granted again from inside listeners never runs one step inside another.
import { EventEmitter } from 'node:events';
import type { Noble, Peripheral } from '@stoprocent/noble';
import { realClock, type Clock, type Timer } from '../../hci/clock.ts';
import type { Sighting } from '../discovery/device-list.ts';
import { profileOf } from '../discovery/profile.ts';
import { EventQueue } from '../event-queue.ts';
import { IDLE, transition, type AdapterEffect, type AdapterEvent, type AdapterState, type SlotId } from './adapter-machine.ts';
import { adapterStatus, THIS_HOST, type AdapterPower, type AdapterStatus, type AdapterTransport, type HostInfo } from './adapter-state.ts';
import { connectError, powerOf, type NobleError } from './noble-errors.ts';

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
export const SCAN_RESUME_MS = 20;

export const DEFAULT_CONNECT_PARAMS: ConnectParams = { minInterval: 12, maxInterval: 12, latency: 0, timeout: 100 };

export interface AdapterEvents {
  state: [power: AdapterPower, status: AdapterStatus];
  sighting: [Sighting];
  /** A connection slot or a link went free: waiting devices may try again. */
  room: [];
}

export type ConnectResult = { peripheral: Peripheral; error?: undefined } | { error: NobleError; peripheral?: undefined };

export interface AdapterOptions {
  /** Connections this adapter allows; learned from Connection Limit Exceeded when not given. */
  maxConnections?: number;
  transport?: AdapterTransport;
  clock?: Clock;
  host?: HostInfo;
}

export class Adapter extends EventEmitter<AdapterEvents> {
  /** Links held through this adapter, by address. */
  readonly links = new Set<string>();
  /** Connections this adapter allows; learned from Connection Limit Exceeded when not given. */
  limit: number;
  readonly transport: AdapterTransport;
  private machine: AdapterState = IDLE;
  private power: AdapterPower = 'unknown';
  /**
   * Addresses this adapter's scan reported since it last came on. noble forgets every
   * peripheral when its adapter goes off, and a connection to one it has not rediscovered
   * completes unseen by it (its "unknown peripheral connected" warning): the link would be lost.
   */
  private readonly heard = new Set<string>();
  private readonly clock: Clock;
  private readonly host: HostInfo;
  private readonly inputs = new EventQueue<AdapterEvent>((e) => this.step(e));
  /** Slot requests by owner, and their grants by id. */
  private readonly slotIds = new Map<object, SlotId>();
  private readonly grants = new Map<SlotId, () => void>();
  private nextSlotId = 1;
  private resumeTimer: Timer | null = null;
  private readonly onState = (s: string): void => this.inputs.push({ type: 'power', power: powerOf(s) });
  private readonly onDiscover = (p: Peripheral): void => this.discovered(p);
  private readonly onScanStop = (): void => this.inputs.push({ type: 'scan-stopped' });
  // noble reports unknown handles and the like as warnings; they are not ours to act on.
  private readonly onWarning = (): void => {};

  constructor(
    readonly name: string,
    readonly noble: Noble,
    options: AdapterOptions = {},
  ) {
    super();
    this.limit = options.maxConnections ?? Infinity;
    this.transport = options.transport ?? { kind: 'os' };
    this.clock = options.clock ?? realClock;
    this.host = options.host ?? THIS_HOST;
  }

  /** noble's power state, as last reported. */
  get state(): AdapterPower {
    return this.power;
  }

  /** The adapter's condition, typed, with what a front end needs to advise. */
  get status(): AdapterStatus {
    return adapterStatus(this.power, this.transport, this.host);
  }

  /** The machine's state, for tests and diagnostics. */
  get phase(): AdapterState {
    return this.machine;
  }

  get poweredOn(): boolean {
    return this.machine.kind === 'on' || this.machine.kind === 'restarting';
  }

  start(): void {
    this.noble.on('stateChange', this.onState);
    this.noble.on('discover', this.onDiscover);
    this.noble.on('scanStop', this.onScanStop);
    this.noble.on('warning', this.onWarning);
    this.inputs.push({ type: 'start', power: powerOf(this.noble.state) });
  }

  /** Room for one more link, counting the one being created. */
  hasRoom(): boolean {
    const m = this.machine;
    const creating = m.kind === 'on' && m.holder !== null ? 1 : 0;
    return this.poweredOn && this.links.size + creating < this.limit;
  }

  /** Whether noble can connect to `address` through this adapter now (see `heard`). */
  canReach(address: string): boolean {
    return this.poweredOn && this.heard.has(address);
  }

  /** Queues `owner` for the LE connection creation slot; `grant` runs when it is theirs (never inside this call's caller's step). */
  requestSlot(owner: object, grant: () => void): void {
    if (this.slotIds.has(owner)) return;
    const id = this.nextSlotId++;
    this.slotIds.set(owner, id);
    this.grants.set(id, grant);
    this.inputs.push({ type: 'request-slot', id });
  }

  releaseSlot(owner: object): void {
    const id = this.slotIds.get(owner);
    if (id === undefined) return;
    this.slotIds.delete(owner);
    this.grants.delete(id);
    this.inputs.push({ type: 'release-slot', id });
  }

  addLink(address: string): void {
    this.links.add(address);
  }

  removeLink(address: string): void {
    if (this.links.delete(address)) this.emit('room');
  }

  /** Asks noble to connect; `done` gets the peripheral or a typed error, perhaps before this returns. */
  connect(address: string, params: ConnectParams, done: (result: ConnectResult) => void): void {
    const id = address.replace(/:/g, '');
    const finish = (error: unknown, peripheral: Peripheral | undefined): void => {
      if (!error && peripheral) return done({ peripheral });
      const e = connectError(error ?? 'noble reported no peripheral');
      // The controller says how many links it holds: as many as it has now.
      if (e.code === 'connection-limit') this.limit = Math.max(1, this.links.size);
      done({ error: e });
    };
    try {
      this.noble.connect(id, params, (error: Error | undefined, peripheral: Peripheral) => finish(error, peripheral));
    } catch (e) {
      finish(e, undefined);
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
    this.inputs.push({ type: 'stop' });
  }

  private step(e: AdapterEvent): void {
    const t = transition(this.machine, e);
    if (!t) return;
    this.machine = t.state;
    for (const effect of t.effects) this.run(effect);
  }

  private run(effect: AdapterEffect): void {
    switch (effect.type) {
      case 'report':
        this.power = effect.power;
        this.emit('state', effect.power, this.status);
        return;
      case 'forget':
        this.heard.clear();
        this.links.clear();
        return;
      case 'start-scan':
        this.noble.startScanningAsync([], true).catch(() => this.inputs.push({ type: 'scan-failed' }));
        return;
      case 'stop-scan':
        try {
          this.noble.stopScanning();
        } catch {
          // Nothing to wait for: noble cannot stop what it is not doing.
          this.inputs.push({ type: 'scan-stopped' });
        }
        return;
      case 'arm-resume':
        // One pause at a time: a second scanStop inside it changes nothing.
        this.resumeTimer ??= this.clock.at(this.clock.now() + SCAN_RESUME_MS, () => {
          this.resumeTimer = null;
          this.inputs.push({ type: 'resume-due' });
        });
        return;
      case 'grant':
        this.grants.get(effect.id)?.();
        return;
      case 'room':
        this.emit('room');
        return;
      case 'close':
        this.resumeTimer?.cancel();
        this.resumeTimer = null;
        this.noble.off('stateChange', this.onState);
        this.noble.off('discover', this.onDiscover);
        this.noble.off('scanStop', this.onScanStop);
        this.noble.off('warning', this.onWarning);
        try {
          if (effect.scanning) this.noble.stopScanning();
          this.noble.stop();
        } catch {
          // An adapter that is already gone has nothing to stop.
        }
        return;
    }
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
