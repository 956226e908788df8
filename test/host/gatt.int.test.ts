// Two BleHosts on Pico W controllers: the peripheral's GATT server and the central's GATT client,
// every GATT IRQ checked with its exact tuple.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno, IRQ, uuid, type IrqValue } from '../../src-main/host/ble-host.ts';
import { FLAG_INDICATE, FLAG_NOTIFY, FLAG_READ, FLAG_WRITE, FLAG_WRITE_NO_RESPONSE } from '../../src-main/host/gatt-db.ts';
import { bytes, connect, picoBench, text, type Node, type PicoBench } from './harness.ts';

const NUS = uuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e');
const TX = uuid('6e400003-b5a3-f393-e0a9-e50e24dcca9e');
const RX = uuid('6e400002-b5a3-f393-e0a9-e50e24dcca9e');
const LONG = uuid('6e400004-b5a3-f393-e0a9-e50e24dcca9e');
const BATTERY = uuid(0x180f);
const LEVEL = uuid(0x2a19);

let bench: PicoBench;
let p: Node;
let c: Node;
let ch: number; // the central's handle for the connection
let ph: number; // the peripheral's
// Peripheral handles: 7 NUS | 8 decl, 9 TX, 10 CCCD | 11 decl, 12 RX, 13 0x2901 | 14 decl, 15 LONG | 16 battery | 17 decl, 18 level, 19 CCCD
let tx: number, rx: number, rxDesc: number, long: number, level: number;

beforeAll(async () => {
  bench = await picoBench(['periph', 'central']);
  [p, c] = bench.nodes as [Node, Node];
  [[tx, rx, rxDesc, long], [level]] = p.host.gattsRegisterServices([
    [
      NUS,
      [
        [TX, FLAG_READ | FLAG_NOTIFY | FLAG_INDICATE],
        [RX, FLAG_WRITE | FLAG_WRITE_NO_RESPONSE, [[uuid(0x2901), FLAG_READ]]],
        [LONG, FLAG_READ],
      ],
    ],
    [BATTERY, [[LEVEL, FLAG_READ | FLAG_NOTIFY]]],
  ]) as [[number, number, number, number], [number]];
  p.host.gattsWrite(tx, bytes('periph0'));
  ({ c: ch, p: ph } = await connect(c, p));
});
afterAll(() => bench?.close());

describe('GATT discovery', () => {
  it('registered handles follow the BTstack layout', () => {
    expect([tx, rx, rxDesc, long, level]).toEqual([9, 12, 13, 15, 18]);
  });

  it('_IRQ_GATTC_SERVICE_RESULT (conn_handle, start_handle, end_handle, uuid) for all services, then _IRQ_GATTC_SERVICE_DONE (conn_handle, status)', async () => {
    c.host.gattcDiscoverServices(ch);
    const results: IrqValue[][] = [];
    const done = await collect(c, IRQ.GATTC_SERVICE_RESULT, IRQ.GATTC_SERVICE_DONE, results);
    expect(results).toEqual([
      [ch, 1, 3, uuid(0x1800)],
      [ch, 4, 6, uuid(0x1801)],
      [ch, 7, 15, NUS],
      [ch, 16, 19, BATTERY],
    ]);
    expect(done).toEqual([ch, 0]);
  });

  it('by UUID: only that service', async () => {
    c.host.gattcDiscoverServices(ch, BATTERY);
    const results: IrqValue[][] = [];
    expect(await collect(c, IRQ.GATTC_SERVICE_RESULT, IRQ.GATTC_SERVICE_DONE, results)).toEqual([ch, 0]);
    expect(results).toEqual([[ch, 16, 19, BATTERY]]);
  });

  it('_IRQ_GATTC_CHARACTERISTIC_RESULT (conn_handle, end_handle, value_handle, properties, uuid); all, or by UUID', async () => {
    c.host.gattcDiscoverCharacteristics(ch, 7, 15);
    const results: IrqValue[][] = [];
    expect(await collect(c, IRQ.GATTC_CHARACTERISTIC_RESULT, IRQ.GATTC_CHARACTERISTIC_DONE, results)).toEqual([ch, 0]);
    expect(results).toEqual([
      [ch, 10, 9, 0x32, TX],
      [ch, 13, 12, 0x0c, RX],
      [ch, 15, 15, 0x02, LONG],
    ]);
    c.host.gattcDiscoverCharacteristics(ch, 1, 0xffff, RX);
    const byUuid: IrqValue[][] = [];
    await collect(c, IRQ.GATTC_CHARACTERISTIC_RESULT, IRQ.GATTC_CHARACTERISTIC_DONE, byUuid);
    expect(byUuid).toEqual([[ch, 13, 12, 0x0c, RX]]);
  });

  it('_IRQ_GATTC_DESCRIPTOR_RESULT (conn_handle, dsc_handle, uuid) after the value handle; nothing to find is DONE at once', async () => {
    c.host.gattcDiscoverDescriptors(ch, rx, 13);
    const results: IrqValue[][] = [];
    expect(await collect(c, IRQ.GATTC_DESCRIPTOR_RESULT, IRQ.GATTC_DESCRIPTOR_DONE, results)).toEqual([ch, 0]);
    expect(results).toEqual([[ch, 13, uuid(0x2901)]]);
    c.mark();
    c.host.gattcDiscoverDescriptors(ch, long, long);
    expect(c.pending()).toEqual([{ code: IRQ.GATTC_DESCRIPTOR_DONE, data: [ch, 0] }]); // raised inside the call, as BTstack does
  });
});

describe('GATT read and write', () => {
  it("config(gap_name=...) is the Device Name characteristic (0x2A00, handle 3) peers read", async () => {
    expect(text(p.host.config('gap_name') as Uint8Array)).toBe('MPY BTSTACK');
    p.host.config({ gap_name: 'PicoLink Pico' });
    c.host.gattcRead(ch, 3);
    const [, vh, data] = await c.waitIrq(IRQ.GATTC_READ_RESULT);
    expect([vh, text(data)]).toEqual([3, 'PicoLink Pico']);
    await c.waitIrq(IRQ.GATTC_READ_DONE);
  });

  it('_IRQ_GATTC_READ_RESULT (conn_handle, value_handle, char_data), _IRQ_GATTC_READ_DONE (conn_handle, value_handle, status); the server sees _IRQ_GATTS_READ_REQUEST', async () => {
    p.mark();
    c.host.gattcRead(ch, tx);
    expect(() => c.host.gattcRead(ch, tx)).toThrow(expect.objectContaining({ errno: Errno.EALREADY }));
    const [, vh, data] = await c.waitIrq(IRQ.GATTC_READ_RESULT);
    expect([vh, text(data)]).toEqual([tx, 'periph0']);
    expect(await c.waitIrq(IRQ.GATTC_READ_DONE)).toEqual([ch, tx, 0]);
    expect(await p.waitIrq(IRQ.GATTS_READ_REQUEST)).toEqual([ph, tx]);
  });

  it('a refused read ends with the ATT error as status and no result', async () => {
    c.host.gattcRead(ch, rx);
    expect(await c.waitIrq(IRQ.GATTC_READ_DONE)).toEqual([ch, rx, 0x02]);
    expect(c.irqs.slice(-1)[0]!.code).toBe(IRQ.GATTC_READ_DONE);
  });

  it('write with response: _IRQ_GATTS_WRITE (conn_handle, attr_handle) at the server, _IRQ_GATTC_WRITE_DONE (conn_handle, value_handle, status)', async () => {
    c.host.gattcWrite(ch, rx, bytes('central0'), 1);
    expect(await p.waitIrq(IRQ.GATTS_WRITE)).toEqual([ph, rx]);
    expect(await c.waitIrq(IRQ.GATTC_WRITE_DONE)).toEqual([ch, rx, 0]);
    expect(text(p.host.gattsRead(rx))).toBe('central0');
    c.host.gattcWrite(ch, tx, bytes('x'), 1);
    expect(await c.waitIrq(IRQ.GATTC_WRITE_DONE)).toEqual([ch, tx, 0x03]); // Write Not Permitted
  });

  it('write without response: _IRQ_GATTS_WRITE only', async () => {
    c.mark();
    c.host.gattcWrite(ch, rx, bytes('central1'), 0);
    expect(await p.waitIrq(IRQ.GATTS_WRITE)).toEqual([ph, rx]);
    expect(text(p.host.gattsRead(rx))).toBe('central1');
    expect(c.pending().filter((r) => r.code === IRQ.GATTC_WRITE_DONE)).toEqual([]);
  });
});

describe('GATT notifications and indications', () => {
  it('gatts_notify reaches the client whatever its CCCD says: _IRQ_GATTC_NOTIFY (conn_handle, value_handle, notify_data)', async () => {
    p.host.gattsNotify(ph, tx, bytes('n1'));
    const [conn, vh, data] = await c.waitIrq(IRQ.GATTC_NOTIFY);
    expect([conn, vh, text(data)]).toEqual([ch, tx, 'n1']);
    p.host.gattsWrite(tx, bytes('stored'));
    p.host.gattsNotify(ph, tx);
    expect(text((await c.waitIrq(IRQ.GATTC_NOTIFY))[2])).toBe('stored');
  });

  it('gatts_indicate: _IRQ_GATTC_INDICATE at the client, confirmed, _IRQ_GATTS_INDICATE_DONE (conn_handle, value_handle, status)', async () => {
    p.host.gattsIndicate(ph, tx, bytes('i1'));
    p.host.gattsIndicate(ph, tx, bytes('i2'));
    expect(text((await c.waitIrq(IRQ.GATTC_INDICATE))[2])).toBe('i1');
    expect(await p.waitIrq(IRQ.GATTS_INDICATE_DONE)).toEqual([ph, tx, 0]);
    expect(text((await c.waitIrq(IRQ.GATTC_INDICATE))[2])).toBe('i2');
    expect(await p.waitIrq(IRQ.GATTS_INDICATE_DONE)).toEqual([ph, tx, 0]);
  });

  it('a CCCD written by the client is stored (no _IRQ_GATTS_WRITE); gatts_write(send_update=True) follows it', async () => {
    p.mark();
    c.host.gattcWrite(ch, tx + 1, Uint8Array.of(0x03, 0x00), 1);
    expect(await c.waitIrq(IRQ.GATTC_WRITE_DONE)).toEqual([ch, tx + 1, 0]);
    expect(Array.from(p.host.gattsRead(tx + 1))).toEqual([3, 0]);
    expect(p.pending().filter((r) => r.code === IRQ.GATTS_WRITE)).toEqual([]);
    p.host.gattsWrite(tx, bytes('both'), true);
    expect(text((await c.waitIrq(IRQ.GATTC_NOTIFY))[2])).toBe('both');
    expect(text((await c.waitIrq(IRQ.GATTC_INDICATE))[2])).toBe('both');
    expect(await p.waitIrq(IRQ.GATTS_INDICATE_DONE)).toEqual([ph, tx, 0]);
    c.host.gattcWrite(ch, tx + 1, Uint8Array.of(0, 0), 1);
    await c.waitIrq(IRQ.GATTC_WRITE_DONE);
    c.mark();
    p.host.gattsWrite(tx, bytes('none'), true);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.pending().filter((r) => r.code === IRQ.GATTC_NOTIFY || r.code === IRQ.GATTC_INDICATE)).toEqual([]);
  });
});

describe('ATT MTU and long values', () => {
  it('gattc_read returns at most ATT_MTU - 1 octets (one Read Request, as on the Pico W)', async () => {
    p.host.gattsWrite(long, Uint8Array.from({ length: 200 }, (_, i) => i));
    c.host.gattcRead(ch, long);
    expect(((await c.waitIrq(IRQ.GATTC_READ_RESULT))[2] as Uint8Array).length).toBe(22);
    await c.waitIrq(IRQ.GATTC_READ_DONE);
  });

  it('exchange to 247: _IRQ_MTU_EXCHANGED (conn_handle, mtu) on both sides; then long reads and writes fit', async () => {
    expect(c.host.config('mtu')).toBe(1017); // l2cap_max_mtu() of the BTstack build
    p.host.config({ mtu: 247 });
    c.host.config({ mtu: 247 });
    c.host.gattcExchangeMtu(ch);
    expect(await c.waitIrq(IRQ.MTU_EXCHANGED)).toEqual([ch, 247]);
    expect(await p.waitIrq(IRQ.MTU_EXCHANGED)).toEqual([ph, 247]);
    c.mark();
    c.host.gattcExchangeMtu(ch); // once per connection
    c.host.gattcRead(ch, long);
    const [, , data] = await c.waitIrq(IRQ.GATTC_READ_RESULT);
    expect(Array.from(data as Uint8Array)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await c.waitIrq(IRQ.GATTC_READ_DONE);
    expect(c.pending().filter((r) => r.code === IRQ.MTU_EXCHANGED)).toEqual([]);

    p.host.gattsSetBuffer(rx, 244);
    c.host.gattcWrite(ch, rx, new Uint8Array(244).fill(0x5a), 1);
    expect(await c.waitIrq(IRQ.GATTC_WRITE_DONE)).toEqual([ch, rx, 0]);
    expect(p.host.gattsRead(rx)).toEqual(new Uint8Array(244).fill(0x5a));
    c.host.gattcWrite(ch, rx, new Uint8Array(245), 1);
    expect(await c.waitIrq(IRQ.GATTC_WRITE_DONE)).toEqual([ch, rx, 0x0d]); // Invalid Attribute Value Length, not sent
    expect(() => c.host.gattcWrite(ch, rx, new Uint8Array(245), 0)).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
    p.host.gattsNotify(ph, tx, new Uint8Array(300).fill(1));
    expect(((await c.waitIrq(IRQ.GATTC_NOTIFY))[2] as Uint8Array).length).toBe(244);
  });

  it('gatts_set_buffer(append=True): writes accumulate, gatts_read empties', async () => {
    p.host.gattsSetBuffer(rx, 10, true);
    c.host.gattcWrite(ch, rx, bytes('abc'), 1);
    await c.waitIrq(IRQ.GATTC_WRITE_DONE);
    c.host.gattcWrite(ch, rx, bytes('defghijk'), 1);
    await c.waitIrq(IRQ.GATTC_WRITE_DONE);
    expect(text(p.host.gattsRead(rx))).toBe('abcdefghij');
    expect(p.host.gattsRead(rx)).toHaveLength(0);
  });
});

/** Waits for DONE and returns its data; `into` gets the RESULT IRQs since the previous DONE of that kind. */
async function collect(n: Node, result: number, done: number, into: IrqValue[][]): Promise<IrqValue[]> {
  const d = await n.waitIrq(done);
  const doneAt = n.irqs.map((r, i) => (r.code === done ? i : -1)).filter((i) => i >= 0);
  const [from, to] = [doneAt.at(-2) ?? -1, doneAt.at(-1)!];
  for (const r of n.irqs.slice(from + 1, to)) if (r.code === result) into.push(r.data);
  return d;
}
