// A noble that does what the hub's drivers ask and nothing by itself: the test says when an
// adapter changes state, what the scan hears, and how each connection attempt ends. It answers
// synchronously where real noble may (a scanStop inside stopScanning or connect, a canceled
// connect's callback inside cancelConnect), so a driver that re-enters itself shows it here.
import { EventEmitter } from 'node:events';
import type { Noble, Peripheral } from '@stoprocent/noble';

type ConnectCallback = (error: Error | undefined, peripheral: Peripheral | undefined) => void;

export class FakePeripheral extends EventEmitter {
  readonly id: string;
  disconnects = 0;
  constructor(readonly address: string) {
    super();
    this.id = address.replace(/:/g, '');
  }
  /** noble's disconnect: asks; the test says when the controller confirms (drop). */
  disconnect(): void {
    this.disconnects++;
  }
  /** The link is gone, with noble's reason (an HCI status number). */
  drop(reason: unknown = 0x13): void {
    this.emit('disconnect', reason);
  }
  get peripheral(): Peripheral {
    return this as unknown as Peripheral;
  }
}

export class FakeNoble extends EventEmitter {
  state = 'unknown';
  /** Every call a driver made, in order: 'startScanning', 'stopScanning', 'connect aabb..', 'cancelConnect aabb..', 'stop'. */
  readonly calls: string[] = [];
  scanning = false;
  /** Connect callbacks not answered yet, by peripheral id; a later attempt's replaces none (noble queues them). */
  readonly pending: { id: string; done: ConnectCallback }[] = [];
  /** Set false to answer stopScanning later (scanStopped()), as a controller that takes its time. */
  stopsAtOnce = true;
  refuseScan: Error | null = null;

  get noble(): Noble {
    return this as unknown as Noble;
  }

  become(state: string): void {
    this.state = state;
    this.emit('stateChange', state);
  }

  startScanningAsync(): Promise<void> {
    this.calls.push('startScanning');
    if (this.refuseScan) return Promise.reject(this.refuseScan);
    this.scanning = true;
    return Promise.resolve();
  }

  stopScanning(): void {
    this.calls.push('stopScanning');
    if (this.stopsAtOnce) this.scanStopped();
  }

  scanStopped(): void {
    this.scanning = false;
    this.emit('scanStop');
  }

  connect(id: string, _params: unknown, done: ConnectCallback): void {
    this.calls.push(`connect ${id}`);
    this.pending.push({ id, done });
    // noble stops its scan before it creates a connection (bindings.js processConnectionQueue).
    if (this.scanning) this.scanStopped();
  }

  cancelConnect(id: string): void {
    this.calls.push(`cancelConnect ${id}`);
    const i = this.pending.findIndex((p) => p.id === id);
    if (i >= 0) this.pending.splice(i, 1)[0]!.done(new Error('connection canceled!'), undefined);
  }

  stop(): void {
    this.calls.push('stop');
  }

  /** The scan reports `address` (advertising, connectable). */
  hear(address: string, name: string | null = null): void {
    this.emit('discover', { id: address.replace(/:/g, ''), address, rssi: -50, connectable: true, advertisement: { localName: name ?? undefined, serviceUuids: [] } });
  }

  /** Answers the oldest pending connect to `address` with a new peripheral, or with noble's error text. */
  answer(address: string, error?: string): FakePeripheral | null {
    const id = address.replace(/:/g, '');
    const i = this.pending.findIndex((p) => p.id === id);
    if (i < 0) throw new Error(`no connect pending for ${address}`);
    const { done } = this.pending.splice(i, 1)[0]!;
    if (error !== undefined) {
      done(new Error(error), undefined);
      return null;
    }
    const p = new FakePeripheral(address);
    done(undefined, p.peripheral);
    return p;
  }

  connectsTo(address: string): number {
    return this.calls.filter((c) => c === `connect ${address.replace(/:/g, '')}`).length;
  }
}

/** Lets promise callbacks (a GATT setup the test resolved) run; no time passes. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
