import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAddress } from '../../../src-main/hci/address.ts';
import { ReadBdAddr, ReadLocalSupportedCommands, ReadLocalVersionInformation } from '../../../src-main/hci/commands/informational.ts';
import { LeSetAdvertisingEnable } from '../../../src-main/hci/commands/le-advertising.ts';
import { LeCreateConnectionCancel } from '../../../src-main/hci/commands/le-connection.ts';
import { LeReadBufferSize, LeSetEventMask } from '../../../src-main/hci/commands/le-controller.ts';
import { LeSetScanEnable, LeSetScanParameters } from '../../../src-main/hci/commands/le-scanning.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { CommandStatus, DataBufferOverflow } from '../../../src-main/hci/events.ts';
import { LeAdvertisingReport } from '../../../src-main/hci/le-events.ts';
import { Bench, connect, connectionCompletes, createConnection, eventsOf, flush, startAdvertising } from '../harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

const S = C.HciStatus;

describe('commands', () => {
  it('answers an unknown command with Unknown HCI Command in a Command Complete', async () => {
    const a = await bench.node({ name: 'a' });
    for (const opcode of [0xfc99, C.opcode(C.OGF_LE, 0x007f), C.opcode(0x02, 0x0001)]) {
      const r = await a.host.send({ kind: 'command', opcode, params: new Uint8Array([1, 2, 3]) });
      expect(r.status).toBe(S.UNKNOWN_HCI_COMMAND);
    }
    const last = a.events.filter((e) => e.code === C.HCI_COMMAND_COMPLETE).at(-1)!;
    // 7.7.14: Num_HCI_Command_Packets 1, opcode 0x0801 little-endian, status 0x01.
    expect(Array.from(last.params)).toEqual([1, 0x01, 0x08, 0x01]);
  });

  it('reports its identity: BD_ADDR, version, buffers, features', async () => {
    const a = await bench.node({ name: 'a', address: '12:34:56:78:9A:BC' });
    expect(formatAddress((await a.host.command(ReadBdAddr)).bdAddr)).toBe('12:34:56:78:9A:BC');
    const v = await a.host.command(ReadLocalVersionInformation);
    expect(v.hciVersion).toBeGreaterThanOrEqual(0x06); // noble refuses HCI versions below 4.0
    expect(await a.host.command(LeReadBufferSize)).toEqual({ leAclDataPacketLength: 251, totalNumLeAclDataPackets: 8 });
    const { supportedCommands } = await a.host.command(ReadLocalSupportedCommands);
    expect(supportedCommands.length).toBe(64);
    expect(supportedCommands[5]! & 0x80).toBeTruthy(); // Reset
  });

  it('rejects a command with a wrong parameter length with Invalid HCI Command Parameters', async () => {
    const a = await bench.node({ name: 'a' });
    const r = await a.host.send({ kind: 'command', opcode: C.HCI_LE_SET_SCAN_PARAMETERS, params: new Uint8Array(3) });
    expect(r.status).toBe(S.INVALID_HCI_COMMAND_PARAMETERS);
    const r2 = await a.host.send({ kind: 'command', opcode: C.HCI_LE_CREATE_CONNECTION, params: new Uint8Array(2) });
    expect(r2.status).toBe(S.INVALID_HCI_COMMAND_PARAMETERS);
    expect(eventsOf(a, CommandStatus).length).toBe(1); // create connection answers with Command Status
  });

  it('a controller without DLE or extended advertising does not know those commands', async () => {
    const a = await bench.node({ name: 'a', dataLengthExtension: false, extendedAdvertising: false });
    expect((await a.host.send({ kind: 'command', opcode: C.HCI_LE_READ_MAXIMUM_DATA_LENGTH, params: new Uint8Array() })).status).toBe(
      S.UNKNOWN_HCI_COMMAND,
    );
    expect((await a.host.send({ kind: 'command', opcode: C.HCI_LE_SET_EXTENDED_SCAN_ENABLE, params: new Uint8Array(6) })).status).toBe(
      S.UNKNOWN_HCI_COMMAND,
    );
  });
});

describe('controller limits', () => {
  it('allows one pending LE Create Connection; a second gets Command Disallowed', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const c = await bench.node({ name: 'c' });
    expect((await a.host.send(createConnection(b))).status).toBe(S.SUCCESS);
    expect((await a.host.send(createConnection(c))).status).toBe(S.COMMAND_DISALLOWED);
    // Cancelling ends the attempt with a Connection Complete carrying Unknown Connection Identifier.
    await a.host.command(LeCreateConnectionCancel);
    await flush();
    expect(connectionCompletes(a).map((x) => x.status)).toEqual([S.UNKNOWN_CONNECTION_IDENTIFIER]);
    expect((await a.host.send(createConnection(c))).status).toBe(S.SUCCESS);
    // Nothing pending after the new attempt is cancelled: a second cancel is disallowed.
    await a.host.command(LeCreateConnectionCancel);
    expect((await a.host.execute(LeCreateConnectionCancel)).status).toBe(S.COMMAND_DISALLOWED);
  });

  it('refuses to connect while scanning when the adapter is set that way, and allows it otherwise', async () => {
    const strict = await bench.node({ name: 'strict', disallowConnectWhileScanning: true });
    const lax = await bench.node({ name: 'lax' });
    const target = await bench.node({ name: 'target' });
    for (const n of [strict, lax]) {
      await n.host.execute(LeSetScanParameters, { leScanType: 1, leScanInterval: 0x10, leScanWindow: 0x10, ownAddressType: 0, scanningFilterPolicy: 0 });
      await n.host.execute(LeSetScanEnable, { leScanEnable: 1, filterDuplicates: 0 });
    }
    expect((await strict.host.send(createConnection(target))).status).toBe(S.COMMAND_DISALLOWED);
    expect((await lax.host.send(createConnection(target))).status).toBe(S.SUCCESS);
    await strict.host.execute(LeSetScanEnable, { leScanEnable: 0, filterDuplicates: 0 });
    expect((await strict.host.send(createConnection(target))).status).toBe(S.SUCCESS);
  });

  it('stops at its maximum number of connections', async () => {
    const hub = await bench.node({ name: 'hub', maxConnections: 2 });
    const picos = [];
    for (let i = 0; i < 3; i++) picos.push(await bench.node({ name: `p${i}` }));
    await connect(bench, hub, picos[0]!);
    await connect(bench, hub, picos[1]!);
    await startAdvertising(picos[2]!);
    expect((await hub.host.send(createConnection(picos[2]!))).status).toBe(S.CONNECTION_LIMIT_EXCEEDED);
    expect(bench.radio.get('hub').controller.connectionCount).toBe(2);
  });

  it('a peripheral at its limit refuses connectable advertising and further connections', async () => {
    const pico = await bench.node({ name: 'pico', maxConnections: 1 });
    const a = await bench.node({ name: 'a' });
    await connect(bench, a, pico);
    const r = await pico.host.execute(LeSetAdvertisingEnable, { advertisingEnable: true });
    expect(r.status).toBe(S.COMMAND_DISALLOWED);
    expect(bench.radio.get('pico').controller.isAdvertising).toBe(false);
  });
});

describe('events and flow control', () => {
  it('sends no LE events the host has masked out', async () => {
    const scanner = await bench.node({ name: 'scanner' });
    const adv = await bench.node({ name: 'adv' });
    await scanner.host.command(LeSetEventMask, { leEventMask: new Uint8Array(8) }); // all LE events off
    await scanner.host.execute(LeSetScanParameters, { leScanType: 0, leScanInterval: 0x10, leScanWindow: 0x10, ownAddressType: 0, scanningFilterPolicy: 0 });
    await scanner.host.execute(LeSetScanEnable, { leScanEnable: 1, filterDuplicates: 0 });
    await startAdvertising(adv);
    await bench.advance(200, 10);
    expect(scanner.events.filter((e) => e.code === C.HCI_LE_META).length).toBe(0);
    await scanner.host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]) });
    await bench.advance(200, 10);
    expect(eventsOf(scanner, LeAdvertisingReport).length).toBeGreaterThan(0);
  });

  it('answers a host that overruns its ACL buffers with Data Buffer Overflow and drops the packet', async () => {
    const a = await bench.node({ name: 'a', leAclBufferCount: 2 });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    for (let i = 0; i < 3; i++) a.host.sendAcl({ handle: centralHandle, pb: C.PB_FIRST_NON_FLUSHABLE, bc: 0, data: new Uint8Array([1, 0, 4, 0, i]) });
    await flush();
    expect(eventsOf(a, DataBufferOverflow)).toEqual([{ linkType: 0x01 }]);
    await bench.advance(100, 5);
    expect(b.acl.map((p) => p.data[4])).toEqual([0, 1]);
  });
});
