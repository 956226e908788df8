// bluetooth.BLE for the virtual Pico W: the methods and IRQs of MicroPython's `bluetooth` module
// (docs/library/bluetooth.rst) with the behaviour of the Pico W build, MicroPython + BTstack
// (extmod/modbluetooth.c, extmod/btstack/modbluetooth_btstack.c). Synchronous: no promises, timers
// on the injected Clock, progress made inside the HCI receive callback. IRQs are raised
// synchronously, as the rp2 port builds modbluetooth with MICROPY_PY_BLUETOOTH_USE_SYNC_EVENTS.
import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../hci/clock.ts';
import { Reset } from '../hci/commands/baseband.ts';
import { LeSetRandomAddress } from '../hci/commands/le-advertising.ts';
import { Disconnect } from '../hci/commands/link-control.ts';
import * as C from '../hci/constants.ts';
import { L2CAP_HEADER_SIZE } from '../hci/l2cap-frame.ts';
import type { HostEnd } from '../hci/host-end.ts';
import { BleError, BleValueError, Errno } from './ble-error.ts';
import { startController, INIT_TIMEOUT_MS } from './controller-setup.ts';
import { reverse } from './gap.ts';
import { GAP_DEVICE_NAME_HANDLE, GATT_CLIENT_CHARACTERISTIC_CONFIGURATION, type ServiceDef } from './gatt-db.ts';
import { HciTransport } from './hci-transport.ts';
import { IRQ, type IrqValue } from './irq.ts';
import { HCI_ACL_PAYLOAD_SIZE } from './l2cap.ts';
import { Stack } from './stack.ts';
import type { Uuid } from './uuid.ts';

export { BleError, BleValueError, Errno } from './ble-error.ts';
export { IRQ, type IrqValue } from './irq.ts';
export { formatUuid, uuid, uuidEquals, type Uuid } from './uuid.ts';
export type { CharacteristicDef, ServiceDef } from './gatt-db.ts';

/** l2cap_max_mtu(): HCI_ACL_PAYLOAD_SIZE - L2CAP_HEADER_SIZE, what config('mtu') reports until set. */
export const DEFAULT_MTU = HCI_ACL_PAYLOAD_SIZE - L2CAP_HEADER_SIZE;

export interface BleHostEvents {
  irq: [code: number, data: IrqValue[]];
  log: [string];
}

export interface BleHostOptions {
  /** For log lines. */
  name?: string;
}

type State = 'off' | 'starting' | 'active' | 'stopping';

export class BleHost extends EventEmitter<BleHostEvents> {
  /**
   * Answers _IRQ_GATTS_READ_REQUEST synchronously with the handler's return value as an int (0 for
   * None). What the server then does with it follows the BTstack binding (see GattServer.valueLength):
   * 0 measures a dynamic value as 0 octets, non-zero as its stored length; a Read returns the value
   * either way. When unset, the IRQ goes out on 'irq' and counts as 0.
   */
  readRequestHandler: ((connHandle: number, attrHandle: number) => number | null | undefined) | null = null;

  private readonly hci: HciTransport;
  private stack: Stack | null = null;
  private state: State = 'off';
  private waiters: ((err: BleError | null) => void)[] = [];
  private generation = 0;
  private stopTimer: Timer | null = null;
  private publicAddress: Uint8Array = new Uint8Array(6);
  private addrMode: 0 | 1 = 0;
  /** l2cap_le_custom_max_mtu; 0 = not set. */
  private customMtu = 0;
  private readonly name: string;

  constructor(
    end: HostEnd,
    private readonly clock: Clock,
    options: BleHostOptions = {},
  ) {
    super();
    this.name = options.name ?? 'ble';
    this.hci = new HciTransport(end, clock);
    this.hci.onLog = (m) => this.log(m);
  }

  // ---- configuration --------------------------------------------------------------------------

  /** BLE.active([active]). Turning on completes asynchronously: `done` runs when the controller is ready. */
  active(on?: boolean, done?: (err: BleError | null) => void): boolean {
    if (on === true) this.start(done);
    else if (on === false) this.stop(done);
    return this.state === 'active';
  }

  /** BLE.config('param') and BLE.config(param=value, ...). */
  config(name: string): unknown;
  config(values: Record<string, unknown>): void;
  config(arg: string | Record<string, unknown>): unknown {
    if (typeof arg === 'string') return this.configGet(arg);
    for (const [key, value] of Object.entries(arg)) this.configSet(key, value);
    return undefined;
  }

  private configGet(name: string): unknown {
    switch (name) {
      case 'mac': // mp_bluetooth_get_current_address(): (addr_type, addr)
        this.ready();
        return [this.addrMode, reverse(this.ownAddress())];
      case 'addr_mode': // not readable on a board; the Python shim asks for it to build 'mac'
        this.ready();
        return this.addrMode;
      case 'gap_name':
        return this.ready().db.read(GAP_DEVICE_NAME_HANDLE);
      case 'mtu':
        this.ready();
        return this.mtu;
      default:
        // 'rxbuf' exists only without MICROPY_PY_BLUETOOTH_USE_SYNC_EVENTS; 'bond', 'mitm', 'io',
        // 'le_secure' only with MICROPY_PY_BLUETOOTH_ENABLE_PAIRING_BONDING: neither on the Pico W.
        throw new BleValueError('unknown config param');
    }
  }

  private configSet(key: string, value: unknown): void {
    switch (key) {
      case 'gap_name': {
        const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : new Uint8Array(0);
        return this.ready().db.write(GAP_DEVICE_NAME_HANDLE, bytes);
      }
      case 'mtu': { // mp_bluetooth_set_preferred_mtu() over l2cap_set_max_le_mtu()
        this.ready();
        const mtu = Number(value) & 0xffff;
        if (mtu < DEFAULT_MTU) this.customMtu = mtu;
        if (this.mtu !== mtu) throw new BleError(Errno.EINVAL, `mtu ${mtu} not accepted`); // l2cap_max_le_mtu() != mtu -> MP_EINVAL
        return;
      }
      case 'addr_mode': // mp_bluetooth_set_address_mode()
        this.ready();
        return this.setAddressMode(Number(value));
      default:
        // modbluetooth.c: "unknown config param" (see configGet for the keys the Pico W build lacks).
        throw new BleValueError('unknown config param');
    }
  }

  // ---- GAP ------------------------------------------------------------------------------------

  gapAdvertise(intervalUs: number | null, advData: Uint8Array | null = null, respData: Uint8Array | null = null, connectable = true): void {
    if (intervalUs === null) return this.stack?.gap.stopAdvertising(); // advertise_stop: silent when inactive
    this.ready().gap.advertise(intervalUs, advData, respData, connectable);
  }

  gapScan(durationMs: number | null, intervalUs = 1_280_000, windowUs = 11_250, active = false): void {
    const s = this.ready();
    if (durationMs === null) s.gap.stopScan();
    else s.gap.scan(durationMs, intervalUs, windowUs, active);
  }

  /** `addr` most significant octet first. gap_connect(None) cancels; scan_duration_ms becomes the supervision timeout, as in the binding. */
  gapConnect(addrType: number | null, addr?: Uint8Array, scanDurationMs = 2000, minConnIntervalUs?: number, maxConnIntervalUs?: number): void {
    if (addrType === null) return this.stack?.gap.cancelConnect();
    if (!addr || addr.length !== 6) throw new BleValueError('invalid addr'); // modbluetooth.c gap_connect
    const s = this.ready();
    if (s.gap.isConnecting) throw new BleError(Errno.EINVAL, 'a connection is already being created'); // COMMAND_DISALLOWED
    const existing = s.find(addrType, addr);
    if (existing) {
      // gap_connect(): a connection to this address exists, so BTstack reports it as connected again.
      return this.irq(IRQ.PERIPHERAL_CONNECT, [existing.handle, addrType, addr.slice()]);
    }
    s.gap.connect(addrType, addr, scanDurationMs, minConnIntervalUs ?? 0, maxConnIntervalUs ?? 0);
  }

  /** Always true on the Pico W: the binding ignores what BTstack's gap_disconnect() returns. */
  gapDisconnect(connHandle: number): boolean {
    this.ready().disconnect(connHandle & 0xffff);
    return true;
  }

  // ---- GATT server ----------------------------------------------------------------------------

  gattsRegisterServices(services: ServiceDef[]): number[][] {
    const s = this.ready();
    s.db.beginServices();
    return services.map((svc) => s.db.registerService(svc));
  }

  gattsRead(handle: number): Uint8Array {
    return this.ready().db.read(handle);
  }

  gattsWrite(handle: number, data: Uint8Array, sendUpdate = false): void {
    const s = this.ready();
    // mp_bluetooth_gatts_write(): send_update needs the CCCD that BTstack puts right after the value.
    if (sendUpdate && s.db.uuid16Of(handle + 1) !== GATT_CLIENT_CHARACTERISTIC_CONFIGURATION) {
      throw new BleError(Errno.EINVAL, `handle ${handle} has no CCCD`);
    }
    s.db.write(handle, data);
    if (!sendUpdate) return;
    const cccd = s.db.read(handle + 1); // one CCCD value for all connections, as in the binding
    if (cccd.length !== 2) return;
    for (const conn of [...s.connections.keys()]) {
      if (cccd[0]! & 1) s.server.notify(conn, handle, data);
      if (cccd[0]! & 2) s.server.indicate(conn, handle, data);
    }
  }

  /** Sent whatever the client's CCCD says (as documented); data defaults to the stored value. */
  gattsNotify(connHandle: number, valueHandle: number, data?: Uint8Array): void {
    const s = this.ready();
    s.server.notify(connHandle, valueHandle, data ?? this.storedValue(s, valueHandle));
  }

  gattsIndicate(connHandle: number, valueHandle: number, data?: Uint8Array): void {
    const s = this.ready();
    s.server.indicate(connHandle, valueHandle, data ?? this.storedValue(s, valueHandle));
  }

  gattsSetBuffer(valueHandle: number, len: number, append = false): void {
    this.ready().db.resize(valueHandle, len, append);
  }

  // ---- GATT client ----------------------------------------------------------------------------

  gattcDiscoverServices(connHandle: number, uuid: Uuid | null = null): void {
    this.ready().client.discoverServices(connHandle, uuid);
  }

  gattcDiscoverCharacteristics(connHandle: number, startHandle: number, endHandle: number, uuid: Uuid | null = null): void {
    this.ready().client.discoverCharacteristics(connHandle, startHandle, endHandle, uuid);
  }

  gattcDiscoverDescriptors(connHandle: number, startHandle: number, endHandle: number): void {
    this.ready().client.discoverDescriptors(connHandle, startHandle, endHandle);
  }

  /** One ATT Read Request: values longer than ATT_MTU - 1 come back cut, as on the Pico W. */
  gattcRead(connHandle: number, valueHandle: number): void {
    this.ready().client.read(connHandle, valueHandle);
  }

  gattcWrite(connHandle: number, valueHandle: number, data: Uint8Array, mode: 0 | 1 = 0): void {
    const s = this.ready();
    if (mode !== 0 && mode !== 1) throw new BleError(Errno.EINVAL, `write mode ${String(mode)}`); // binding: other modes -> MP_EINVAL
    s.client.write(connHandle, valueHandle, data, mode);
  }

  /** Once per connection; the binding checks nothing and raises nothing. */
  gattcExchangeMtu(connHandle: number): void {
    this.stack?.client.exchangeMtu(connHandle);
  }

  /** Not part of bluetooth.BLE: releases the HCI transport and every timer (board shutdown, tests). */
  close(): void {
    this.generation++;
    this.stopTimer?.cancel();
    this.teardown();
    this.hci.close();
    this.state = 'off';
    this.settle(new BleError(Errno.ENODEV, 'host closed'));
  }

  // ---- internals ------------------------------------------------------------------------------

  /** l2cap_max_le_mtu(). */
  private get mtu(): number {
    return this.customMtu || DEFAULT_MTU;
  }

  /** The stack when active; otherwise OSError(ENODEV) (ERRNO_BLUETOOTH_NOT_ACTIVE in the binding). */
  private ready(): Stack {
    if (this.state !== 'active' || !this.stack) throw new BleError(Errno.ENODEV, 'Bluetooth is not active');
    return this.stack;
  }

  /** mp_bluetooth_gatts_db_read() for notify/indicate without data: empty for a handle with no value. */
  private storedValue(s: Stack, handle: number): Uint8Array {
    return s.db.has(handle) ? s.db.read(handle) : new Uint8Array(0);
  }

  private irq(code: number, data: IrqValue[]): void {
    try {
      this.emit('irq', code, data);
    } catch (e) {
      // MicroPython prints an exception raised in the IRQ handler and carries on.
      this.log(`exception in irq handler for event ${code}: ${(e as Error).message}`);
    }
  }

  private log(message: string): void {
    this.emit('log', `${this.name}: ${message}`);
  }

  private ownAddress(): Uint8Array {
    if (this.addrMode === 0) return this.publicAddress;
    // A static random address (two top bits set, Core 5.4 Vol 6 Part B 1.3.2.1) derived from the
    // board's address, as MicroPython derives it from the board MAC (mp_hal_get_mac).
    const a = this.publicAddress.some((b) => b !== 0) ? this.publicAddress.slice() : Uint8Array.from([0x01, 0x00, 0x00, 0x00, 0x00, 0x00]);
    a[5] = a[5]! | 0xc0;
    return a;
  }

  private setAddressMode(mode: number): void {
    if (mode === 0) {
      if (this.publicAddress.every((b) => b === 0)) throw new BleError(Errno.EINVAL, 'no public address'); // set_public_address() failed -> MP_EINVAL
      this.addrMode = 0;
    } else if (mode === 1) {
      this.addrMode = 1;
      this.hci.command(LeSetRandomAddress, { randomAddress: this.ownAddress() }, ({ status }) => {
        if (status !== 0) this.log(`LE Set Random Address: ${C.statusName(status)}`);
      });
    } else if (mode === 2 || mode === 3) {
      throw new BleError(Errno.EINVAL, 'RPA and NRPA are not supported'); // "Not yet supported."
    }
  }

  private settle(err: BleError | null): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(err);
  }

  private start(done?: (err: BleError | null) => void): void {
    if (this.state === 'active') return done?.(null);
    if (done) this.waiters.push(done);
    if (this.state === 'starting') return;
    this.teardown();
    // State first: resetting the transport drops a pending stop's HCI_Reset, whose callback must then
    // see a start in progress, not the stop it belonged to.
    this.state = 'starting';
    this.hci.reset(); // a reset controller returns no buffers: start the accounting afresh
    this.customMtu = 0;
    const gen = ++this.generation;
    startController(this.hci, this.clock, () => gen !== this.generation, (err, info) => {
      if (err || !info) {
        this.state = 'off';
        this.hci.reset();
        return this.settle(err);
      }
      this.publicAddress = info.publicAddress;
      this.stack = new Stack(this.hci, this.clock, {
        irq: (code, data) => this.irq(code, data),
        log: (m) => this.log(m),
        readRequest: (conn, attr) => {
          if (this.readRequestHandler) return Number(this.readRequestHandler(conn, attr) ?? 0) || 0;
          this.irq(IRQ.GATTS_READ_REQUEST, [conn, attr]);
          return 0;
        },
        localMtu: () => this.mtu,
        ownAddressType: () => this.addrMode,
      });
      this.addrMode = 0;
      // Without a public address the binding sets a static random one (set_random_address()).
      if (this.publicAddress.every((b) => b === 0)) this.setAddressMode(1);
      this.state = 'active';
      this.settle(null);
    });
  }

  /**
   * mp_bluetooth_deinit(): advertising stops, BTstack's power-off closes every connection with Remote
   * Device Terminated Connection due to Power Off (the IRQs still come), then the controller goes
   * quiet (here: HCI_Reset).
   */
  private stop(done?: (err: BleError | null) => void): void {
    if (this.state === 'off') return done?.(null);
    if (done) this.waiters.push(done);
    if (this.state === 'stopping') return;
    if (this.state === 'starting') {
      this.generation++;
      this.state = 'off';
      this.hci.reset();
      return this.settle(null);
    }
    const s = this.stack!;
    this.state = 'stopping';
    s.gap.stopAdvertising();
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      timer.cancel();
      this.hci.command(Reset, {}, () => {
        if (this.state !== 'stopping') return;
        this.teardown();
        this.state = 'off';
        this.settle(null);
      });
    };
    const timer = this.clock.at(this.clock.now() + INIT_TIMEOUT_MS, finish);
    this.stopTimer = timer;
    if (s.connections.size === 0) return finish();
    s.onAllClosed = finish;
    for (const handle of s.connections.keys()) {
      this.hci.command(Disconnect, { connectionHandle: handle, reason: C.HciStatus.REMOTE_DEVICE_TERMINATED_POWER_OFF });
    }
  }

  private teardown(): void {
    this.stack?.dispose();
    this.stack = null;
    this.hci.onEvent = () => {};
    this.hci.onAcl = () => {};
    this.hci.onBuffersFreed = () => {};
    this.hci.onLog = (m) => this.log(m);
  }
}
