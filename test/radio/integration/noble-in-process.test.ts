// noble on a virtual controller with no pty in between (the Windows path): it powers on, scans
// and connects to a peripheral whose host is our raw HCI channel.
import type { Noble, Peripheral } from '@stoprocent/noble';
import { afterEach, expect, it } from 'vitest';
import { HciChannel } from '../../../src-main/host/hci-channel.ts';
import * as C from '../../../src-main/radio/hci/constants.ts';
import { encodeAdvertisingData, encodeAdvertisingEnable, encodeAdvertisingParameters } from '../../../src-main/radio/hci/commands.ts';
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
  const periph = new HciChannel(radio.attachInProcess('peripheral'));
  await periph.command(C.HCI_RESET);
  await periph.command(C.HCI_SET_EVENT_MASK, new Uint8Array(8).fill(0xff));
  await periph.command(C.HCI_LE_SET_EVENT_MASK, Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]));
  const name = Buffer.from('inproc');
  const adv = Uint8Array.from([2, 0x01, 0x06, name.length + 1, 0x09, ...name]);
  const params = { intervalMin: 0x20, intervalMax: 0x20, advertisingType: C.ADV_IND, ownAddressType: 0, peerAddressType: 0, peerAddress: new Uint8Array(6), channelMap: 7, filterPolicy: 0 };
  for (const c of [encodeAdvertisingParameters(params), encodeAdvertisingData(adv), encodeAdvertisingEnable(true)]) {
    expect((await periph.send(c)).status).toBe(0);
  }

  const seen: number[] = [];
  radio.get('central').controller.on('packet', (dir, h4) => dir === 'host-to-controller' && h4[0] === 1 && seen.push(h4[1]! | (h4[2]! << 8)));
  noble = nobleInProcess(radio.attachInProcess('central'));
  await noble.waitForPoweredOnAsync(5000);
  const found = new Promise<Peripheral>((resolve) => noble!.on('discover', (p: Peripheral) => p.advertisement.localName === 'inproc' && resolve(p)));
  await noble.startScanningAsync([], false);
  const p = await found;
  await noble.stopScanningAsync();
  const connected = periph.waitForEvent((e) => e.code === C.HCI_LE_META && e.params[0] === C.HCI_LE_CONNECTION_COMPLETE);
  await noble.connectAsync(p.id, { minInterval: 12, maxInterval: 12, latency: 0, timeout: 200 });
  expect(p.state).toBe('connected');
  expect((await connected).params[1]).toBe(0); // status success at the peripheral too
  expect(seen.includes(C.HCI_LE_EXTENDED_CREATE_CONNECTION)).toBe(extendedAdvertising);
  expect(seen.includes(C.HCI_LE_CREATE_CONNECTION)).toBe(!extendedAdvertising);
});
