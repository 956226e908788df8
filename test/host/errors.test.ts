// Every error BleHost raises, with the errno MicroPython's BTstack binding gives (see ble-error.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BleError, BleValueError, Errno, IRQ, uuid } from '../../src-main/host/ble-host.ts';
import { FLAG_READ, FLAG_WRITE } from '../../src-main/host/gatt-db.ts';
import { bytes, connect, picoBench, type Node, type PicoBench } from './harness.ts';

const errno = (f: () => unknown): number | string => {
  try {
    f();
  } catch (e) {
    if (e instanceof BleError) return e.errno;
    if (e instanceof BleValueError) return 'ValueError';
    throw e;
  }
  return 'no error';
};

describe('not active: OSError(ENODEV) (ERRNO_BLUETOOTH_NOT_ACTIVE)', () => {
  let bench: PicoBench;
  let n: Node;
  beforeAll(async () => {
    bench = await picoBench(['idle'], false);
    n = bench.nodes[0]!;
  });
  afterAll(() => bench.close());

  it.each<[string, (n: Node) => unknown]>([
    ["config('mac')", (n) => n.host.config('mac')],
    ["config('mtu')", (n) => n.host.config('mtu')],
    ["config('gap_name')", (n) => n.host.config('gap_name')],
    ['config(mtu=)', (n) => n.host.config({ mtu: 100 })],
    ['config(addr_mode=)', (n) => n.host.config({ addr_mode: 1 })],
    ['gap_advertise', (n) => n.host.gapAdvertise(100_000)],
    ['gap_scan', (n) => n.host.gapScan(100)],
    ['gap_scan(None)', (n) => n.host.gapScan(null)],
    ['gap_connect', (n) => n.host.gapConnect(0, new Uint8Array(6))],
    ['gap_disconnect', (n) => n.host.gapDisconnect(64)],
    ['gatts_register_services', (n) => n.host.gattsRegisterServices([])],
    ['gatts_read', (n) => n.host.gattsRead(3)],
    ['gatts_write', (n) => n.host.gattsWrite(3, new Uint8Array(1))],
    ['gatts_notify', (n) => n.host.gattsNotify(64, 3)],
    ['gatts_indicate', (n) => n.host.gattsIndicate(64, 3)],
    ['gatts_set_buffer', (n) => n.host.gattsSetBuffer(3, 10)],
    ['gattc_discover_services', (n) => n.host.gattcDiscoverServices(64)],
    ['gattc_discover_characteristics', (n) => n.host.gattcDiscoverCharacteristics(64, 1, 10)],
    ['gattc_discover_descriptors', (n) => n.host.gattcDiscoverDescriptors(64, 1, 10)],
    ['gattc_read', (n) => n.host.gattcRead(64, 3)],
    ['gattc_write', (n) => n.host.gattcWrite(64, 3, new Uint8Array(1))],
  ])('%s', (_, f) => {
    expect(errno(() => f(n))).toBe(Errno.ENODEV);
  });

  it('calls the binding does not check stay silent: gap_advertise(None), gap_connect(None), gattc_exchange_mtu', () => {
    for (const f of [() => n.host.gapAdvertise(null), () => n.host.gapConnect(null), () => n.host.gattcExchangeMtu(64)]) {
      expect(errno(f)).toBe('no error');
    }
    expect(n.host.active()).toBe(false);
  });
});

describe('active', () => {
  let bench: PicoBench;
  let p: Node;
  let c: Node;
  let ch: number;
  let value: number;
  beforeAll(async () => {
    bench = await picoBench(['periph', 'central']);
    [p, c] = bench.nodes as [Node, Node];
    [[value]] = p.host.gattsRegisterServices([[uuid(0x180f), [[uuid(0x2a19), FLAG_READ | FLAG_WRITE]]]]) as [[number]];
    ({ c: ch } = await connect(c, p));
  });
  afterAll(() => bench.close());

  it('bad handles: EINVAL (mp_bluetooth_gatts_db_*)', () => {
    expect(errno(() => p.host.gattsRead(99))).toBe(Errno.EINVAL);
    expect(errno(() => p.host.gattsWrite(99, bytes('x')))).toBe(Errno.EINVAL);
    expect(errno(() => p.host.gattsSetBuffer(99, 10))).toBe(Errno.EINVAL);
  });

  it('gatts_write(send_update=True) on a value without a CCCD: EINVAL', () => {
    expect(errno(() => p.host.gattsWrite(value, bytes('x'), true))).toBe(Errno.EINVAL);
  });

  it('32-bit UUIDs: EINVAL (the binding supports 16 and 128 bits)', () => {
    expect(errno(() => c.host.gattsRegisterServices([[uuid(Uint8Array.of(1, 2, 3, 4)), []]]))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcDiscoverServices(ch, uuid(Uint8Array.of(1, 2, 3, 4))))).toBe(Errno.EINVAL);
  });

  it('unknown connection: EINVAL where BTstack reports Unknown Connection Identifier, ENOTCONN where the binding checks', () => {
    expect(errno(() => p.host.gattsNotify(0x999, value))).toBe(Errno.EINVAL);
    expect(errno(() => p.host.gattsIndicate(0x999, value))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcDiscoverServices(0x999))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcDiscoverCharacteristics(0x999, 1, 0xffff))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcDiscoverDescriptors(0x999, 1, 0xffff))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcWrite(0x999, value, bytes('x'), 0))).toBe(Errno.EINVAL);
    // The binding's find_active_connection() falls back to its last connection while one is
    // open, so BTstack answers Unknown Connection Identifier here too.
    expect(errno(() => c.host.gattcRead(0x999, value))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcWrite(0x999, value, bytes('x'), 1))).toBe(Errno.EINVAL);
  });

  it('busy: EALREADY while a GATT client operation or a read/write is in progress on the connection', async () => {
    c.host.gattcDiscoverServices(ch);
    expect(errno(() => c.host.gattcDiscoverServices(ch))).toBe(Errno.EALREADY);
    expect(errno(() => c.host.gattcDiscoverCharacteristics(ch, 1, 0xffff))).toBe(Errno.EALREADY);
    expect(errno(() => c.host.gattcRead(ch, value))).toBe(Errno.EALREADY);
    expect(errno(() => c.host.gattcWrite(ch, value, bytes('x'), 1))).toBe(Errno.EALREADY);
    expect(errno(() => c.host.gattcWrite(ch, value, bytes('x'), 0))).toBe('no error'); // commands need no transaction
    await c.waitIrq(IRQ.GATTC_SERVICE_DONE);
    c.host.gattcRead(ch, value);
    expect(errno(() => c.host.gattcWrite(ch, value, bytes('x'), 1))).toBe(Errno.EALREADY);
    await c.waitIrq(IRQ.GATTC_READ_DONE);
  });

  it('too long for ATT_MTU - 3 without response: EINVAL; an unknown write mode: EINVAL', () => {
    expect(errno(() => c.host.gattcWrite(ch, value, new Uint8Array(21), 0))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.gattcWrite(ch, value, new Uint8Array(1), 2 as 0))).toBe(Errno.EINVAL);
  });

  it("config: mtu at or above 1017 that is not the default is EINVAL; unknown keys and 'rxbuf', 'bond', 'mitm', 'io', 'le_secure' are ValueError on the Pico W build", () => {
    expect(errno(() => c.host.config({ mtu: 2000 }))).toBe(Errno.EINVAL);
    expect(errno(() => c.host.config({ mtu: 1017 }))).toBe('no error');
    expect(errno(() => c.host.config({ addr_mode: 3 }))).toBe(Errno.EINVAL);
    for (const key of ['rxbuf', 'bond', 'mitm', 'io', 'le_secure', 'nope']) {
      expect(errno(() => c.host.config(key))).toBe('ValueError');
      expect(errno(() => c.host.config({ [key]: 1 }))).toBe('ValueError');
    }
  });

  it('gap_connect: a bad address is ValueError; a second attempt while one is pending is EINVAL', () => {
    expect(errno(() => c.host.gapConnect(0, new Uint8Array(5)))).toBe('ValueError');
    c.host.gapConnect(0, Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(errno(() => c.host.gapConnect(0, Uint8Array.of(1, 2, 3, 4, 5, 7)))).toBe(Errno.EINVAL);
    c.host.gapConnect(null);
  });
});
