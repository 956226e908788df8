// Extended advertising in the virtual controller (Core 5.4 Vol 4 Part E 7.8.52-7.8.60, 7.7.65.17-18,
// Vol 6 Part B 2.3.4 and 4.4.2): a set with legacy or extended PDUs, who hears it, who may connect
// to it, how it ends, and the refusals of this model's limits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../../src-main/hci/address.ts';
import { encodeCommand, type ParamsOf } from '../../../src-main/hci/command.ts';
import { Reset } from '../../../src-main/hci/commands/baseband.ts';
import { LeSetAdvertisingParameters } from '../../../src-main/hci/commands/le-advertising.ts';
import { LeExtendedCreateConnection } from '../../../src-main/hci/commands/le-connection.ts';
import {
  ADV_DATA_COMPLETE,
  ADV_DATA_FIRST,
  ADV_DATA_LAST,
  LeReadMaximumAdvertisingDataLength,
  LeReadNumberOfSupportedAdvertisingSets,
  LeSetExtendedAdvertisingData,
  LeSetExtendedAdvertisingEnable,
  LeSetExtendedAdvertisingParameters,
} from '../../../src-main/hci/commands/le-extended-advertising.ts';
import { LeSetEventMask } from '../../../src-main/hci/commands/le-controller.ts';
import { LeSetExtendedScanEnable, LeSetExtendedScanParameters, LeSetScanEnable, LeSetScanParameters } from '../../../src-main/hci/commands/le-scanning.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { LeAdvertisingReport, LeAdvertisingSetTerminated, LeExtendedAdvertisingReport, LeScanTimeout } from '../../../src-main/hci/le-events.ts';
import { Bench, connectionCompletes, createConnection, eventsOf, type TestNode } from '../harness.ts';

const S = C.HciStatus;
let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

const PARAMS: ParamsOf<typeof LeSetExtendedAdvertisingParameters> = {
  advertisingHandle: 0,
  advertisingEventProperties: 0x13, // legacy ADV_IND
  primaryAdvertisingIntervalMin: 0x20,
  primaryAdvertisingIntervalMax: 0x20,
  primaryAdvertisingChannelMap: 0x07,
  ownAddressType: 0,
  peerAddressType: 0,
  peerAddress: new Uint8Array(6),
  advertisingFilterPolicy: 0,
  advertisingTxPower: 127,
  primaryAdvertisingPhy: C.PHYS_LE_1M,
  secondaryAdvertisingMaxSkip: 0,
  secondaryAdvertisingPhy: C.PHYS_LE_1M,
  advertisingSid: 3,
  scanRequestNotificationEnable: 0,
};

/** LE events unmasked: 0x01-0x08, extended reports (0x0D), scan timeout and set terminated (0x11, 0x12); not the enhanced connection complete. */
async function node(name: string): Promise<TestNode> {
  const n = await bench.node({ name });
  await n.host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0xff, 0x10, 0x03, 0, 0, 0, 0, 0]) });
  return n;
}

async function advertise(n: TestNode, properties: number, data: Uint8Array, duration = 0, maxEvents = 0): Promise<void> {
  await n.host.command(LeSetExtendedAdvertisingParameters, { ...PARAMS, advertisingEventProperties: properties });
  await n.host.command(LeSetExtendedAdvertisingData, { advertisingHandle: 0, operation: ADV_DATA_COMPLETE, fragmentPreference: 0, data });
  await n.host.command(LeSetExtendedAdvertisingEnable, { enable: 1, sets: [{ advertisingHandle: 0, duration, maxExtendedAdvertisingEvents: maxEvents }] });
}

async function scanExtended(n: TestNode, duration = 0): Promise<void> {
  await n.host.command(LeSetExtendedScanParameters, { ownAddressType: 0, scanningFilterPolicy: 0, scanningPhys: [{ phy: C.PHYS_LE_1M, scanType: 0, scanInterval: 0x10, scanWindow: 0x10 }] });
  await n.host.command(LeSetExtendedScanEnable, { enable: 1, filterDuplicates: 0, duration, period: 0 });
}

async function scanLegacy(n: TestNode): Promise<void> {
  await n.host.command(LeSetScanParameters, { leScanType: 0, leScanInterval: 0x10, leScanWindow: 0x10, ownAddressType: 0, scanningFilterPolicy: 0 });
  await n.host.command(LeSetScanEnable, { leScanEnable: 1, filterDuplicates: 0 });
}

function extendedCreate(target: TestNode) {
  const entry = { phy: C.PHYS_LE_1M, scanInterval: 0x60, scanWindow: 0x60, connectionIntervalMin: 24, connectionIntervalMax: 24, maxLatency: 0, supervisionTimeout: 100, minCeLength: 0, maxCeLength: 0 };
  return encodeCommand(LeExtendedCreateConnection, { initiatorFilterPolicy: 0, ownAddressType: 0, peerAddressType: 0, peerAddress: parseAddress(target.address), initiatingPhys: [entry] });
}

describe('an advertising set', () => {
  it('reports this model’s limits: one set, 229 octets (one extended report)', async () => {
    const a = await node('a');
    expect(await a.host.command(LeReadNumberOfSupportedAdvertisingSets)).toEqual({ numSupportedAdvertisingSets: 1 });
    expect(await a.host.command(LeReadMaximumAdvertisingDataLength)).toEqual({ maxAdvertisingDataLength: 229 });
  });

  it('with legacy PDUs is heard by a legacy scanner, and a connection ends it with Advertising Set Terminated after the connection complete', async () => {
    const a = await node('a');
    const b = await node('b');
    await advertise(a, 0x13, Uint8Array.from([2, 1, 6]));
    await scanLegacy(b);
    await bench.advance(100, 5);
    expect(eventsOf(b, LeAdvertisingReport).some((r) => r.reports[0]!.eventType === C.REPORT_ADV_IND)).toBe(true);
    await b.host.command(LeSetScanEnable, { leScanEnable: 0, filterDuplicates: 0 });
    await b.host.send(createConnection(a));
    for (let i = 0; i < 100 && connectionCompletes(a).length === 0; i++) await bench.advance(5, 5);
    const [conn] = connectionCompletes(a);
    const [terminated] = eventsOf(a, LeAdvertisingSetTerminated);
    expect(terminated).toMatchObject({ status: S.SUCCESS, advertisingHandle: 0, connectionHandle: conn!.connectionHandle });
    expect(a.events.findIndex((e) => e.params[0] === C.HCI_LE_ADVERTISING_SET_TERMINATED)).toBeGreaterThan(
      a.events.findIndex((e) => e.params[0] === C.HCI_LE_CONNECTION_COMPLETE || e.params[0] === C.HCI_LE_ENHANCED_CONNECTION_COMPLETE),
    );
  });

  it('with extended PDUs carries data beyond 31 octets, in fragments, to extended scanners only', async () => {
    const a = await node('a');
    const legacy = await node('legacy');
    const ext = await node('ext');
    const data = Uint8Array.from({ length: 200 }, (_, i) => i);
    await a.host.command(LeSetExtendedAdvertisingParameters, { ...PARAMS, advertisingEventProperties: 0x01 }); // connectable, not legacy
    await a.host.command(LeSetExtendedAdvertisingData, { advertisingHandle: 0, operation: ADV_DATA_FIRST, fragmentPreference: 0, data: data.subarray(0, 120) });
    await a.host.command(LeSetExtendedAdvertisingData, { advertisingHandle: 0, operation: ADV_DATA_LAST, fragmentPreference: 0, data: data.subarray(120) });
    await a.host.command(LeSetExtendedAdvertisingEnable, { enable: 1, sets: [{ advertisingHandle: 0, duration: 0, maxExtendedAdvertisingEvents: 0 }] });
    await scanLegacy(legacy);
    await scanExtended(ext);
    await bench.advance(100, 5);
    expect(eventsOf(legacy, LeAdvertisingReport)).toEqual([]);
    const report = eventsOf(ext, LeExtendedAdvertisingReport)[0]!.reports[0]!;
    expect(report).toMatchObject({ eventType: 0x01, advertisingSid: 3, primaryPhy: C.PHYS_LE_1M, secondaryPhy: C.PHYS_LE_1M });
    expect(report.data).toEqual(data);
    // A legacy initiator cannot answer AUX_ADV_IND; an extended one connects.
    await legacy.host.command(LeSetScanEnable, { leScanEnable: 0, filterDuplicates: 0 });
    await legacy.host.send(createConnection(a));
    await bench.advance(200, 5);
    expect(connectionCompletes(legacy)).toEqual([]);
    await ext.host.command(LeSetExtendedScanEnable, { enable: 0, filterDuplicates: 0, duration: 0, period: 0 });
    expect((await ext.host.send(extendedCreate(a))).status).toBe(S.SUCCESS);
    await bench.advance(200, 5);
    expect(connectionCompletes(ext)).toMatchObject([{ status: S.SUCCESS, role: C.ROLE_CENTRAL }]);
    expect(eventsOf(a, LeAdvertisingSetTerminated)).toMatchObject([{ status: S.SUCCESS, connectionHandle: connectionCompletes(a)[0]!.connectionHandle }]);
  });

  it('ends with Advertising Timeout (0x3C) after its Duration and Limit Reached (0x43) after its event count', async () => {
    const a = await node('a');
    await advertise(a, 0x10, new Uint8Array(0), 10); // 100 ms
    await bench.advance(150, 5);
    expect(eventsOf(a, LeAdvertisingSetTerminated)).toMatchObject([{ status: S.ADVERTISING_TIMEOUT, advertisingHandle: 0, numCompletedExtendedAdvertisingEvents: 5 }]);
    await a.host.command(LeSetExtendedAdvertisingEnable, { enable: 1, sets: [{ advertisingHandle: 0, duration: 0, maxExtendedAdvertisingEvents: 3 }] });
    await bench.advance(200, 5);
    expect(eventsOf(a, LeAdvertisingSetTerminated)[1]).toMatchObject({ status: S.LIMIT_REACHED, numCompletedExtendedAdvertisingEvents: 3 });
  });
});

describe('refusals', () => {
  it('legacy and extended advertising commands do not mix until HCI_Reset (Vol 4 Part E 3.1.1)', async () => {
    const a = await node('a');
    await a.host.command(LeSetExtendedAdvertisingParameters, PARAMS);
    const legacy = { advertisingIntervalMin: 0x20, advertisingIntervalMax: 0x20, advertisingType: 0, ownAddressType: 0, peerAddressType: 0, peerAddress: new Uint8Array(6), advertisingChannelMap: 7, advertisingFilterPolicy: 0 };
    expect((await a.host.execute(LeSetAdvertisingParameters, legacy)).status).toBe(S.COMMAND_DISALLOWED);
    await a.host.command(Reset);
    expect((await a.host.execute(LeSetAdvertisingParameters, legacy)).status).toBe(S.SUCCESS);
    expect((await a.host.execute(LeSetExtendedAdvertisingParameters, PARAMS)).status).toBe(S.COMMAND_DISALLOWED);
  });

  it('refuses what the spec forbids and what this model does not do, each with its status', async () => {
    const a = await node('a');
    const set = (p: Partial<typeof PARAMS>) => a.host.execute(LeSetExtendedAdvertisingParameters, { ...PARAMS, ...p }).then((r) => r.status);
    expect(await set({ advertisingEventProperties: 0x03 })).toBe(S.INVALID_HCI_COMMAND_PARAMETERS); // connectable and scannable, not legacy
    expect(await set({ advertisingEventProperties: 0x11 })).toBe(S.INVALID_HCI_COMMAND_PARAMETERS); // no such legacy PDU
    expect(await set({ advertisingEventProperties: 0x20 })).toBe(S.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE); // anonymous
    expect(await set({ primaryAdvertisingPhy: 0x03 })).toBe(S.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE); // LE Coded
    expect(await set({})).toBe(S.SUCCESS);
    expect(await set({ advertisingHandle: 1 })).toBe(S.MEMORY_CAPACITY_EXCEEDED); // one set
    const data = (len: number) => a.host.execute(LeSetExtendedAdvertisingData, { advertisingHandle: 0, operation: ADV_DATA_COMPLETE, fragmentPreference: 0, data: new Uint8Array(len) });
    expect((await data(32)).status).toBe(S.INVALID_HCI_COMMAND_PARAMETERS); // legacy PDUs carry 31
    const enable = (handle: number) => a.host.execute(LeSetExtendedAdvertisingEnable, { enable: 1, sets: [{ advertisingHandle: handle, duration: 0, maxExtendedAdvertisingEvents: 0 }] });
    expect((await enable(5)).status).toBe(S.UNKNOWN_ADVERTISING_IDENTIFIER);
    expect(await set({ advertisingEventProperties: 0x00 })).toBe(S.SUCCESS);
    expect((await data(229)).status).toBe(S.SUCCESS);
    expect((await data(230)).status).toBe(S.MEMORY_CAPACITY_EXCEEDED); // more than Max_Advertising_Data_Length (7.8.54)
  });
});

describe('extended scanning', () => {
  it('with a Duration and no Period stops by itself with HCI_LE_Scan_Timeout (7.8.65, 7.7.65.17)', async () => {
    const b = await node('b');
    await scanExtended(b, 5); // 50 ms
    await bench.advance(60, 5);
    expect(eventsOf(b, LeScanTimeout)).toEqual([{}]);
  });
});
