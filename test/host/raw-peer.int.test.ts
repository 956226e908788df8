// A raw peer talks to a BleHost: malformed and unsupported ATT PDUs get the error responses
// BTstack sends and never crash the stack; LE signaling and SMP are answered; fragmented ACL
// data is reassembled; connection parameter updates raise _IRQ_CONNECTION_UPDATE on both roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRQ, uuid } from '../../src-main/host/ble-host.ts';
import { FLAG_READ, FLAG_WRITE } from '../../src-main/host/gatt-db.ts';
import { L2CAP_CID_ATT, L2CAP_CID_LE_SIGNALING, L2CAP_CID_SMP } from '../../src-main/host/l2cap-codec.ts';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { LeConnectionUpdate } from '../../src-main/hci/commands/le-connection.ts';
import { PICO_W_CONTROLLER } from '../../src-main/radio/controller/options.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { advPayload, Node, sleep } from './harness.ts';
import { RawPeer } from './raw-peer.ts';

let radio: Radio;
let pico: Node;
let raw: RawPeer;
let value: number;
const errors: string[] = [];

beforeAll(async () => {
  radio = new Radio();
  radio.addNode({ ...PICO_W_CONTROLLER, name: 'pico' });
  radio.addNode({ name: 'raw' });
  pico = new Node(radio, 'pico');
  pico.host.on('log', (m) => /exception/.test(m) && errors.push(m));
  await pico.activate();
  [[value]] = pico.host.gattsRegisterServices([[uuid(0x180f), [[uuid(0x2a19), FLAG_READ | FLAG_WRITE]]]]) as [[number]];
  pico.host.gattsWrite(value, fromHex('64'));
  pico.host.gapAdvertise(20_000, advPayload('pico'));
  raw = new RawPeer(radio, 'raw');
  await raw.init();
  await raw.connectTo(radio.get('pico').controller.options.address);
  await pico.waitIrq(IRQ.CENTRAL_CONNECT);
}, 20_000);
afterAll(() => {
  raw?.close();
  pico?.host.close();
  radio?.close();
});

const att = (hex: string): Promise<string> => raw.ask(L2CAP_CID_ATT, fromHex(hex));

describe('malformed and unsupported ATT PDUs', () => {
  it('wrong lengths: Invalid PDU (0x04) naming the request, handle 0', async () => {
    expect(await att('0a 09')).toBe('010a000004');
    expect(await att('02 17 00 00')).toBe('0102000004');
    expect(await att('08 01 00 ff ff 03')).toBe('0108000004');
    expect(await att('04 01 00 ff')).toBe('0104000004');
    expect(await att('0e 03 00')).toBe('010e000004');
  });

  it('unknown or unsupported requests: Request Not Supported (0x06)', async () => {
    expect(await att('fe 01 02 03')).toBe('01fe000006');
    expect(await att('20 03 00 09 00')).toBe('0120000006'); // Read Multiple Variable Length
    expect(await att('d2 09 00 01 00 00 00 00 00 00 00 00 00 00 00 00')).toBe('01d2000006'); // Signed Write (not enabled in BTstack's config)
  });

  it('commands and server-to-client opcodes get no answer; an empty PDU neither', async () => {
    expect(await raw.ask(L2CAP_CID_ATT, fromHex('52 09'), 200)).toBe('');
    expect(await raw.ask(L2CAP_CID_ATT, fromHex('0b 01 02'), 200)).toBe('');
    expect(await raw.ask(L2CAP_CID_ATT, new Uint8Array(0), 200)).toBe('');
  });

  it('bad handles: Invalid Handle; a write fragmented over three ACL packets is reassembled', async () => {
    expect(await att('0a 00 00')).toBe('010a000001');
    expect(await att('10 09 00 01 00 00 28')).toBe('0110090001');
    const answer = raw.next(L2CAP_CID_ATT);
    raw.send(L2CAP_CID_ATT, fromHex(`12 ${value.toString(16).padStart(2, '0')} 00 ${'ab '.repeat(18)}`), 10);
    expect(await answer).toBe('13');
    expect(pico.host.gattsRead(value)).toEqual(new Uint8Array(18).fill(0xab));
  });

  it('survives 300 random PDUs on every channel and still answers a valid read', async () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let i = 0; i < 300; i++) {
      const pdu = Uint8Array.from({ length: rnd(24) }, () => rnd(256));
      raw.send([L2CAP_CID_ATT, L2CAP_CID_LE_SIGNALING, L2CAP_CID_SMP, 0x0040][rnd(4)]!, pdu, 5 + rnd(23));
      if (i % 20 === 0) await sleep(20);
    }
    await sleep(300);
    expect(await att(`0a ${value.toString(16).padStart(2, '0')} 00`)).toMatch(/^0b/);
    expect(errors).toEqual([]);
    expect(pico.host.active()).toBe(true);
  });
});

describe('LE signaling and SMP', () => {
  it('SMP Pairing Request: Pairing Failed, Pairing Not Supported', async () => {
    expect(await raw.ask(L2CAP_CID_SMP, fromHex('01 03 00 01 10 07 07'))).toBe('0505');
    expect(await raw.ask(L2CAP_CID_SMP, fromHex('03 00'))).toBe('0507'); // anything else: Command Not Supported
  });

  it('unknown commands: Command Reject (not understood); a peripheral rejects a Connection Parameter Update Request', async () => {
    expect(await raw.ask(L2CAP_CID_LE_SIGNALING, fromHex('0a 05 02 00 01 00'))).toBe('010502000000');
    expect(await raw.ask(L2CAP_CID_LE_SIGNALING, fromHex('12 06 08 00 18 00 28 00 00 00 90 01'))).toBe('010602000000');
    expect(await raw.ask(L2CAP_CID_LE_SIGNALING, fromHex('06 07 04 00 40 00 41 00'))).toBe('01070600020040004100');
    expect(await raw.ask(L2CAP_CID_LE_SIGNALING, fromHex('14 08 0a 00 80 00 40 00 17 00 17 00 05 00'))).toBe('1508 0a00 00000000000000000200'.replace(/ /g, ''));
  });

  it('a central changing the connection parameters raises _IRQ_CONNECTION_UPDATE (conn_handle, conn_interval, conn_latency, supervision_timeout, status)', async () => {
    const [h] = pico.irqs.find((r) => r.code === IRQ.CENTRAL_CONNECT)!.data as [number];
    await raw.hci.execute(LeConnectionUpdate, {
      connectionHandle: raw.handle,
      connectionIntervalMin: 24,
      connectionIntervalMax: 24,
      maxLatency: 2,
      supervisionTimeout: 300,
      minCeLength: 0,
      maxCeLength: 0,
    });
    expect(await pico.waitIrq(IRQ.CONNECTION_UPDATE)).toEqual([h, 24, 2, 300, 0]);
  });
});

describe('a BleHost central', () => {
  it('accepts a Connection Parameter Update Request within range, applies it, and raises _IRQ_CONNECTION_UPDATE', async () => {
    radio.addNode({ name: 'rawp' });
    radio.addNode({ ...PICO_W_CONTROLLER, name: 'central' });
    const rp = new RawPeer(radio, 'rawp');
    const central = new Node(radio, 'central');
    try {
      await rp.init();
      await central.activate();
      const accepted = rp.advertiseAndAccept();
      central.host.gapConnect(0, Uint8Array.from(radio.get('rawp').controller.options.address.split(':').map((x) => parseInt(x, 16))));
      await accepted;
      const [ch] = await central.waitIrq(IRQ.PERIPHERAL_CONNECT);
      expect(await rp.ask(L2CAP_CID_LE_SIGNALING, fromHex('12 06 08 00 10 00 10 00 00 00 64 00'))).toBe('130602000000');
      expect(await central.waitIrq(IRQ.CONNECTION_UPDATE)).toEqual([ch, 16, 0, 100, 0]);
      expect(await rp.ask(L2CAP_CID_LE_SIGNALING, fromHex('12 07 08 00 02 00 04 00 00 00 64 00'))).toBe('130702000100'); // interval below 6: rejected
      expect(await rp.ask(L2CAP_CID_SMP, fromHex('0b 01'))).toBe('0505'); // Security Request
    } finally {
      rp.close();
      central.host.close();
    }
  });
});
