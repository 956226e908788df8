// The JavaScript side of the virtual Pico's `bluetooth` module: `_ble`, called by bluetooth.py.
// Every call returns an int: >= 0 a result (or the length of bytes that take() then copies into
// a buffer of that size), < 0 -errno, which bluetooth.py raises as OSError. IRQs reach the firmware in scheduler context through
// bluetooth._dispatch, never re-entrantly, with their bytes in two preallocated buffers.
import { BleError, BleValueError } from '../host/ble-error.ts';
import { BleHost, type CharacteristicDef, type ServiceDef } from '../host/ble-host.ts';
import type { IrqValue } from '../host/irq.ts';
import type { Uuid } from '../host/uuid.ts';
import type { Clock } from '../hci/clock.ts';
import type { HostEnd } from '../hci/host-end.ts';
import type { PyMemory } from './py-memory.ts';

const EIO = 5;
const ETIMEDOUT = 110;
const KIND_INT = 0;
const KIND_NONE = 1;
const KIND_BYTES = 2;
const KIND_UUID = 4;
/** Returned for BleValueError: bluetooth.py raises ValueError with last_error(). */
const VALUE_ERROR = -1000;
const ACTIVATE_TIMEOUT_MS = 5000;

export interface BridgeEnv {
  hci: HostEnd;
  clock: Clock;
  memory: PyMemory;
  name: string;
  /** Runs fn in scheduler context (never inside another IRQ). */
  schedule(fn: () => void): void;
  /** The board's blocking sleep, which keeps HCI and timers running. */
  sleepMs(ms: number): void;
  /**
   * Lets the stack catch up as a board's runs between bytecodes: takes in the HCI traffic that has
   * arrived and runs due timers, delivering their IRQs, unless called from inside an IRQ handler.
   */
  pollIo(): void;
  /** bluetooth._dispatch, looked up once the module is imported. */
  dispatch(): () => unknown;
  console(line: string): void;
}

type Dispatch = ReturnType<BridgeEnv['dispatch']>;

export function createBleModule(env: BridgeEnv): Record<string, (...args: never[]) => number> {
  const host = new BleHost(env.hci, env.clock, { name: env.name });
  const mem = env.memory;
  let buffers: [number, number] = [0, 0];
  let args: Int32Array | null = null;
  let irqEnabled = false;
  let dispatch: Dispatch | null = null;

  host.on('irq', (code, data) => {
    if (irqEnabled) env.schedule(() => deliver(code, data));
  });

  function deliver(code: number, data: IrqValue[]): unknown {
    dispatch ??= env.dispatch();
    const a = args!;
    a[0] = code;
    a[1] = data.length;
    let slot = 0;
    const used: [number, number] = [0, 0];
    data.forEach((v, i) => {
      if (v === null) {
        a[2 + i] = KIND_NONE;
      } else if (typeof v === 'number') {
        a[2 + i] = KIND_INT;
        a[7 + i] = v;
      } else {
        const bytes = v instanceof Uint8Array ? v : v.bytes;
        const n = mem.write(buffers[slot]!, bytes);
        if (n < bytes.length) env.console(`[picolink] bluetooth: IRQ ${code} data of ${bytes.length} octets cut to ${n}`);
        a[2 + i] = (v instanceof Uint8Array ? KIND_BYTES : KIND_UUID) + slot;
        a[7 + i] = n;
        used[slot] = n;
        slot++;
      }
    });
    try {
      return dispatch();
    } catch (e) {
      env.console('Unhandled exception in IRQ callback handler');
      for (const line of String((e as Error).message ?? e).replace(/\n+$/, '').split('\n')) env.console(line);
      return 0;
    } finally {
      // The data was only lent for the IRQ: firmware that kept the memoryviews now reads junk.
      for (const s of [0, 1] as const) if (used[s]) mem.scribble(buffers[s], used[s]);
    }
  }

  let lastError = '';
  /** Runs a host call, turning BleError into -errno and BleValueError into VALUE_ERROR. */
  const call = (fn: () => number | void): number => {
    // The board's stack runs beside the firmware; ours runs when we let it. Let it catch up first,
    // so that buffers freed since (Number Of Completed Packets) are seen by this call.
    env.pollIo();
    // A refusal (EALREADY, ENOMEM while the controller's buffers are full) is an answer, not a
    // fault: a firmware's write loop meets thousands a second, and capturing each one's stack
    // through the WebAssembly frames cost more than the rest of the call. The stack is never shown.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return fn() ?? 0;
    } catch (e) {
      if (e instanceof BleError) return -e.errno;
      if (e instanceof BleValueError || e instanceof RangeError) {
        lastError = e.message;
        return VALUE_ERROR;
      }
      env.console(`[picolink] bluetooth: ${(e as Error).message}`);
      return -EIO;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  };
  const bytesAt = (id: number): Uint8Array | null => (id === 0 ? null : mem.read(id));
  const uuidAt = (id: number): Uuid | null => (id === 0 ? null : { bytes: mem.read(id) });
  /**
   * A call's bytes (gatts_read, config) wait here for take(): never in the IRQ buffers, whose data
   * an IRQ handler may still be reading when it makes the call, and never cut to their size.
   */
  let result: Uint8Array = new Uint8Array(0);
  const out = (data: Uint8Array): number => {
    result = data;
    return data.length;
  };

  let pendingServices: ServiceDef[] = [];
  let registered: number[] = [];

  return {
    last_error: () => lastError as unknown as number,
    set_buffers: (b0: number, b1: number, argsId: number, bytesId: number, bytearrayId: number, mvId: number) => {
      mem.calibrate(bytesId, bytearrayId, mvId);
      buffers = [b0, b1];
      args = mem.int32s(argsId, 12);
      return 0;
    },
    take: (id: number) => {
      mem.write(id, result);
      result = new Uint8Array(0);
      return 0;
    },
    irq: (on: number) => {
      irqEnabled = Boolean(on);
      // _IRQ_GATTS_READ_REQUEST is answered by the handler's return value, so it runs at once.
      host.readRequestHandler = irqEnabled ? (conn, attr) => Number(deliver(4, [conn, attr]) ?? 0) : null;
      return 0;
    },
    // Blocks until the stack is up or down, as mp_bluetooth_init() and mp_bluetooth_deinit() do:
    // active(False) returns with the stack off, so an active(True) after it starts afresh.
    active: (on: number) =>
      call(() => {
        if (on < 0) return host.active() ? 1 : 0;
        if (on && host.active()) return 1;
        let done = false;
        let err: BleError | null = null;
        host.active(Boolean(on), (e) => {
          done = true;
          err = e;
        });
        const deadline = env.clock.now() + ACTIVATE_TIMEOUT_MS;
        while (!done && env.clock.now() < deadline) env.sleepMs(2);
        if (!done) throw new BleError(ETIMEDOUT, on ? 'controller did not come up' : 'controller did not stop');
        if (err) throw err;
        return host.active() ? 1 : 0;
      }),
    config_get_int: (name: string) =>
      call(() => {
        const v = host.config(String(name));
        return typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
      }),
    config_get_bytes: (name: string) =>
      call(() => {
        const v = host.config(String(name));
        if (Array.isArray(v)) return out(v[1] as Uint8Array);
        if (v instanceof Uint8Array) return out(v);
        return out(new TextEncoder().encode(String(v)));
      }),
    config_set_int: (name: string, value: number) => call(() => host.config({ [String(name)]: value })),
    config_set_bytes: (name: string, _ignored: number, id: number) => call(() => host.config({ [String(name)]: bytesAt(id) })),
    gap_advertise: (intervalUs: number, adv: number, resp: number, connectable: number) =>
      call(() => host.gapAdvertise(intervalUs < 0 ? null : intervalUs, bytesAt(adv), bytesAt(resp), Boolean(connectable))),
    gap_scan: (durationMs: number, intervalUs: number, windowUs: number, active: number) =>
      call(() => host.gapScan(durationMs < 0 ? null : durationMs, intervalUs, windowUs, Boolean(active))),
    gap_connect: (addrType: number, addr: number, scanMs: number, minUs: number, maxUs: number) =>
      call(() =>
        addrType < 0 ? host.gapConnect(null) : host.gapConnect(addrType, bytesAt(addr) ?? new Uint8Array(6), scanMs, minUs || undefined, maxUs || undefined),
      ),
    gap_disconnect: (conn: number) => call(() => (host.gapDisconnect(conn) ? 1 : 0)),
    register_begin: () => {
      pendingServices = [];
      return 0;
    },
    register_service: (uuid: number) => {
      pendingServices.push([uuidAt(uuid)!, []]);
      return 0;
    },
    register_characteristic: (uuid: number, flags: number) => {
      pendingServices.at(-1)?.[1].push([uuidAt(uuid)!, flags]);
      return 0;
    },
    register_descriptor: (uuid: number, flags: number) => {
      const ch = pendingServices.at(-1)?.[1].at(-1);
      if (ch) {
        const withDescriptors: CharacteristicDef = ch.length === 3 ? ch : [ch[0], ch[1], []];
        withDescriptors[2]!.push([uuidAt(uuid)!, flags]);
        const list = pendingServices.at(-1)![1];
        list[list.length - 1] = withDescriptors;
      }
      return 0;
    },
    register_end: () =>
      call(() => {
        registered = host.gattsRegisterServices(pendingServices).flat();
        return registered.length;
      }),
    register_handle: (i: number) => registered[i] ?? -1,
    gatts_read: (handle: number) => call(() => out(host.gattsRead(handle))),
    gatts_write: (handle: number, data: number, update: number) => call(() => host.gattsWrite(handle, bytesAt(data) ?? new Uint8Array(0), Boolean(update))),
    gatts_notify: (conn: number, handle: number, data: number, indicate: number) =>
      call(() => {
        const d = bytesAt(data) ?? undefined;
        if (indicate) host.gattsIndicate(conn, handle, d);
        else host.gattsNotify(conn, handle, d);
      }),
    gatts_set_buffer: (handle: number, len: number, append: number) => call(() => host.gattsSetBuffer(handle, len, Boolean(append))),
    gattc_discover_services: (conn: number, uuid: number) => call(() => host.gattcDiscoverServices(conn, uuidAt(uuid))),
    gattc_discover_characteristics: (conn: number, start: number, end: number, uuid: number) =>
      call(() => host.gattcDiscoverCharacteristics(conn, start, end, uuidAt(uuid))),
    gattc_discover_descriptors: (conn: number, start: number, end: number) => call(() => host.gattcDiscoverDescriptors(conn, start, end)),
    gattc_read: (conn: number, handle: number) => call(() => host.gattcRead(conn, handle)),
    gattc_write: (conn: number, handle: number, data: number, mode: number) =>
      // Any mode other than 0 or 1 is EINVAL in the binding, so it goes to the host unchanged.
      call(() => host.gattcWrite(conn, handle, bytesAt(data) ?? new Uint8Array(0), mode as 0 | 1)),
    gattc_exchange_mtu: (conn: number) => call(() => host.gattcExchangeMtu(conn)),
  };
}
