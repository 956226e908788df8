// noble on a virtual controller with no pty in between (the Windows path): it powers on, scans
// and connects to a peripheral whose host is our raw HCI channel.
import type { Noble, Peripheral } from '@stoprocent/noble';
import { afterEach, expect, it } from 'vitest';
import { HciClient } from '../../../src-main/host/hci-client.ts';
import { Reset, SetEventMask } from '../../../src-main/hci/commands/baseband.ts';
import { advertisingData, LeSetAdvertisingData, LeSetAdvertisingEnable, LeSetAdvertisingParameters } from '../../../src-main/hci/commands/le-advertising.ts';
import { LeCreateConnection, LeExtendedCreateConnection } from '../../../src-main/hci/commands/le-connection.ts';
import { LeSetEventMask } from '../../../src-main/hci/commands/le-controller.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { LeConnectionComplete } from '../../../src-main/hci/le-events.ts';
import { decodePacket } from '../../../src-main/hci/packets.ts';
import { Radio } from '../../../src-main/radio/radio.ts';
import { nobleInProcess } from '../../../src-main/radio/transport/noble-in-process.ts';

let radio: Radio;
let noble: Noble | undefined;
afterEach(() => {
  noble?.stop();
  radio.close();
});

// With the extended-advertising feature noble uses the extended scan and create-connection
// commands and events; without it, the legacy ones.
it.each([true, false])('noble attaches in process, discovers and connects (extended advertising: %s)', async (extendedAdvertising) => {
  radio = new Radio();
  radio.addNode({ name: 'central', extendedAdvertising });
  radio.addNode({ name: 'peripheral' });
  const periph = new HciClient(radio.attachInProcess('peripheral'));
  await periph.command(Reset);
  await periph.command(SetEventMask, { eventMask: new Uint8Array(8).fill(0xff) });
  await periph.command(LeSetEventMask, { leEventMask: Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]) });
  const name = Buffer.from('inproc');
  const adv = Uint8Array.from([2, 0x01, 0x06, name.length + 1, 0x09, ...name]);
  await periph.command(LeSetAdvertisingParameters, {
    advertisingIntervalMin: 0x20,
    advertisingIntervalMax: 0x20,
    advertisingType: C.ADV_IND,
    ownAddressType: 0,
    peerAddressType: 0,
    peerAddress: new Uint8Array(6),
    advertisingChannelMap: 7,
    advertisingFilterPolicy: 0,
  });
  await periph.command(LeSetAdvertisingData, advertisingData(adv));
  await periph.command(LeSetAdvertisingEnable, { advertisingEnable: true });

  const seen: number[] = [];
  radio.get('central').controller.on('packet', (dir, h4) => {
    const p = dir === 'host-to-controller' ? decodePacket(h4) : null;
    if (p?.kind === 'command') seen.push(p.opcode);
  });
  noble = nobleInProcess(radio.attachInProcess('central'));
  await noble.waitForPoweredOnAsync(5000);
  const found = new Promise<Peripheral>((resolve) => noble!.on('discover', (p: Peripheral) => p.advertisement.localName === 'inproc' && resolve(p)));
  await noble.startScanningAsync([], false);
  const p = await found;
  await noble.stopScanningAsync();
  const connected = periph.waitForEvent(LeConnectionComplete);
  await noble.connectAsync(p.id, { minInterval: 12, maxInterval: 12, latency: 0, timeout: 200 });
  expect(p.state).toBe('connected');
  expect((await connected).status).toBe(0); // status success at the peripheral too
  expect(seen.includes(LeExtendedCreateConnection.opcode)).toBe(extendedAdvertising);
  expect(seen.includes(LeCreateConnection.opcode)).toBe(!extendedAdvertising);
});
