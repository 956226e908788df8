// Acceptance: two real, unmodified host stacks on the virtual radio over ptys. noble (central)
// finds, connects to and talks GATT with bleno (peripheral); 1,000 notifications at 5% packet
// error rate arrive complete and in order; powering the peripheral off ends the connection at noble
// after the supervision timeout.
import type { Characteristic, Noble, Peripheral } from '@stoprocent/noble';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HCI_LE_EXTENDED_CREATE_CONNECTION, HCI_LE_SET_EXTENDED_SCAN_ENABLE, HciStatus } from '../../../src-main/hci/constants.ts';
import { asEvent } from '../../../src-main/hci/event.ts';
import { CommandComplete, CommandStatus, completion } from '../../../src-main/hci/events.ts';
import { decodePacket } from '../../../src-main/hci/packets.ts';
import { BlenoPeripheral, CHAR, nobleOn, SERVICE, startRadio, type StackBench } from './stacks.ts';

let bench: StackBench;
let bleno: BlenoPeripheral;
let noble: Noble;
let peripheral: Peripheral;
let characteristic: Characteristic;
/** Opcodes either stack sent that the controller did not know (Unknown HCI Command). */
const unknown: string[] = [];
const centralOpcodes = new Set<number>();

beforeAll(async () => {
  bench = startRadio([{ name: 'central' }, { name: 'peripheral' }]);
  for (const node of bench.radio.list()) {
    node.controller.on('packet', (dir, h4) => {
      const p = decodePacket(h4);
      if (dir === 'host-to-controller' && p.kind === 'command' && node.name === 'central') centralOpcodes.add(p.opcode);
      if (dir !== 'controller-to-host' || p.kind !== 'event') return;
      const complete = asEvent(p, CommandComplete);
      const status = asEvent(p, CommandStatus);
      const answer = complete ? { opcode: complete.commandOpcode, status: completion(complete).status } : status && { opcode: status.commandOpcode, status: status.status };
      if (answer?.status === HciStatus.UNKNOWN_HCI_COMMAND) unknown.push(`${node.name}: 0x${answer.opcode.toString(16)}`);
    });
  }
  bleno = new BlenoPeripheral(bench.ports.peripheral!, 'virt-bleno');
  await bleno.waitFor('advertising');
  noble = nobleOn(bench.ports.central!);
  await noble.waitForPoweredOnAsync(10_000);
});

afterAll(() => {
  noble?.stop();
  bleno?.stop();
  bench?.close();
});

describe('noble and bleno on the virtual radio', () => {
  it('noble discovers the advertisement with name, service UUID and a plausible RSSI', async () => {
    const found = new Promise<Peripheral>((resolve) => {
      noble.on('discover', (p: Peripheral) => {
        if (p.advertisement.localName === 'virt-bleno') resolve(p);
      });
    });
    await noble.startScanningAsync([], false);
    peripheral = await found;
    await noble.stopScanningAsync();
    expect(peripheral.advertisement.serviceUuids).toContain(SERVICE);
    expect(peripheral.address).toBe(bench.radio.get('peripheral').controller.options.address.toLowerCase());
    // Nodes 1 m apart: about -40 dBm with 2 dB shadowing.
    expect(peripheral.rssi).toBeGreaterThan(-60);
    expect(peripheral.rssi).toBeLessThan(-20);
  });

  it('connects and discovers the service and characteristic', async () => {
    await noble.connectAsync(peripheral.id, { minInterval: 6, maxInterval: 6, latency: 0, timeout: 100 });
    expect(peripheral.state).toBe('connected');
    await bleno.waitFor('accept');
    const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [CHAR]);
    expect(characteristics.map((c) => c.uuid)).toEqual([CHAR]);
    characteristic = characteristics[0]!;
    expect(characteristic.properties).toEqual(expect.arrayContaining(['read', 'write', 'writeWithoutResponse', 'notify']));
  });

  it('reads, and writes with and without response', async () => {
    expect((await characteristic.readAsync()).toString()).toBe('hello from bleno');
    await characteristic.writeAsync(Buffer.from('with response'), false);
    expect((await bleno.waitFor('write', 5000, (m) => m.withoutResponse === false)).data).toBe(Buffer.from('with response').toString('hex'));
    await characteristic.writeAsync(Buffer.from('without response'), true);
    expect((await bleno.waitFor('write', 5000, (m) => m.withoutResponse === true)).data).toBe(Buffer.from('without response').toString('hex'));
  });

  it('receives 1,000 notifications at 5% packet error rate, complete and in order', async () => {
    bench.radio.setPacketErrorRate('central', 'peripheral', 0.05);
    const seqs: number[] = [];
    const done = new Promise<void>((resolve) => {
      characteristic.on('data', (data: Buffer) => {
        seqs.push(data.readUInt32LE(0));
        if (seqs.length === 1000) resolve();
      });
    });
    await characteristic.subscribeAsync();
    await bleno.waitFor('subscribe');
    bleno.send({ cmd: 'notify', count: 1000, size: 20 });
    await done;
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const connection = bench.radio.air.allConnections()[0]!;
    expect(connection.pdusLost).toBeGreaterThan(20); // errors happened and were repaired
  });

  it('powering the peripheral off gives noble a disconnect after the supervision timeout', async () => {
    bench.radio.setPacketErrorRate('central', 'peripheral', 0);
    const reason = new Promise<unknown>((resolve) => peripheral.once('disconnect', resolve));
    const t0 = performance.now();
    bench.radio.power('peripheral', false);
    const r = await reason;
    const elapsed = performance.now() - t0;
    expect(r).toBe(HciStatus.CONNECTION_TIMEOUT);
    // timeout 100 x 10 ms; Node's timers may fire up to a millisecond early against performance.now()
    expect(elapsed).toBeGreaterThanOrEqual(995);
    expect(elapsed).toBeLessThan(1500);
  });

  it('never met a command it did not know on either stack normal path', () => {
    expect(unknown).toEqual([]);
    // The laptop-adapter defaults advertise extended advertising, so noble took its extended path.
    expect(centralOpcodes.has(HCI_LE_EXTENDED_CREATE_CONNECTION)).toBe(true);
    expect(centralOpcodes.has(HCI_LE_SET_EXTENDED_SCAN_ENABLE)).toBe(true);
  });
});
