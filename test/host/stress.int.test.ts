// Throughput under loss: 1,000 notifications and 1,000 writes-without-response each way between
// two Pico W BleHosts at 5% packet error rate; nothing lost, duplicated or reordered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BleError, Errno, IRQ, uuid } from '../../src-main/host/ble-host.ts';
import { FLAG_NOTIFY, FLAG_READ, FLAG_WRITE_NO_RESPONSE } from '../../src-main/host/gatt-db.ts';
import { connect, picoBench, sleep, type Node, type PicoBench } from './harness.ts';

const COUNT = 1000;
const SERVICE = uuid('5049434f-4c49-4e4b-0000-000000000001');
const CHAR = uuid('5049434f-4c49-4e4b-0000-000000000002');

let bench: PicoBench;
let a: Node;
let b: Node;
let handles: Map<Node, number>;
let value: number;

const seq = (i: number): Uint8Array => Uint8Array.of(i & 0xff, i >> 8, 0xa5, 0x5a);
const num = (v: Uint8Array): number => v[0]! | (v[1]! << 8);

beforeAll(async () => {
  bench = await picoBench(['a', 'b']);
  [a, b] = bench.nodes as [Node, Node];
  for (const n of [a, b]) [[value]] = n.host.gattsRegisterServices([[SERVICE, [[CHAR, FLAG_READ | FLAG_WRITE_NO_RESPONSE | FLAG_NOTIFY]]]]) as [[number]];
  const h = await connect(b, a);
  handles = new Map([
    [b, h.c],
    [a, h.p],
  ]);
  bench.radio.setPacketErrorRate('a', 'b', 0.05);
}, 20_000);
afterAll(() => bench?.close());

/** Resolves when `n` has seen `count` IRQs `code`, with the sequence numbers they carried. */
function receive(n: Node, code: number, count: number, pick: (data: unknown[]) => Uint8Array): Promise<number[]> {
  const got: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${n.name}: ${got.length} of ${count} after 30 s`)), 30_000);
    n.host.on('irq', function listener(c, data) {
      if (c !== code) return;
      got.push(num(pick(data)));
      if (got.length === count) {
        clearTimeout(timer);
        n.host.off('irq', listener);
        resolve(got);
      }
    });
  });
}

const expected = Array.from({ length: COUNT }, (_, i) => i);

describe(`${COUNT} each way at 5% packet error rate`, () => {
  it('notifications: gatts_notify queues while buffers are full, never drops', async () => {
    const atB = receive(b, IRQ.GATTC_NOTIFY, COUNT, (d) => d[2] as Uint8Array);
    const atA = receive(a, IRQ.GATTC_NOTIFY, COUNT, (d) => d[2] as Uint8Array);
    for (let i = 0; i < COUNT; i++) {
      a.host.gattsNotify(handles.get(a)!, value, seq(i));
      b.host.gattsNotify(handles.get(b)!, value, seq(i));
    }
    expect(await atB).toEqual(expected);
    expect(await atA).toEqual(expected);
  }, 40_000);

  it('writes without response: the binding holds one while buffers are full and raises EALREADY for the next; retried, all arrive once, in order', async () => {
    // The value is read inside the IRQ handler, as firmware must (the next write overwrites it).
    const atA = receive(a, IRQ.GATTS_WRITE, COUNT, (d) => a.host.gattsRead(d[1] as number));
    const atB = receive(b, IRQ.GATTS_WRITE, COUNT, (d) => b.host.gattsRead(d[1] as number));
    let busy = 0;
    const send = async (n: Node): Promise<void> => {
      for (let i = 0; i < COUNT; i++) {
        for (;;) {
          try {
            n.host.gattcWrite(handles.get(n)!, value, seq(i), 0);
            break;
          } catch (e) {
            if (!(e instanceof BleError) || e.errno !== Errno.EALREADY) throw e;
            busy++;
            await sleep(1);
          }
        }
      }
    };
    await Promise.all([send(a), send(b)]);
    expect(await atA).toEqual(expected);
    expect(await atB).toEqual(expected);
    expect(busy).toBeGreaterThan(0); // the buffers did fill up
    const connection = bench.radio.air.allConnections()[0]!;
    expect(connection.pdusLost).toBeGreaterThan(50); // losses happened and were repaired
  }, 40_000);
});
