import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as C from '../../../src-main/radio/hci/constants.ts';
import { encodeScanEnable, encodeScanParameters } from '../../../src-main/radio/hci/commands.ts';
import { formatAddress } from '../../../src-main/radio/hci/address.ts';
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
    const last = eventsOf(a, C.HCI_COMMAND_COMPLETE).at(-1)!;
    // Num_HCI_Command_Packets 1, opcode 0x0801 little-endian, status 0x01.
    expect(Array.from(last.params)).toEqual([1, 0x01, 0x08, 0x01]);
  });

  it('reports its identity: BD_ADDR, version, buffers, features', async () => {
    const a = await bench.node({ name: 'a', address: '12:34:56:78:9A:BC' });
    expect(formatAddress(await a.host.command(C.HCI_READ_BD_ADDR))).toBe('12:34:56:78:9A:BC');
    const v = await a.host.command(C.HCI_READ_LOCAL_VERSION_INFORMATION);
    expect(v[0]).toBeGreaterThanOrEqual(0x06); // noble refuses HCI versions below 4.0
    const b = await a.host.command(C.HCI_LE_READ_BUFFER_SIZE);
    expect([b[0]! | (b[1]! << 8), b[2]]).toEqual([251, 8]);
    const cmds = await a.host.command(C.HCI_READ_LOCAL_SUPPORTED_COMMANDS);
    expect(cmds.length).toBe(64);
    expect(cmds[5]! & 0x80).toBeTruthy(); // Reset
  });

  it('rejects a command with a wrong parameter length with Invalid HCI Command Parameters', async () => {
    const a = await bench.node({ name: 'a' });
    const r = await a.host.send({ kind: 'command', opcode: C.HCI_LE_SET_SCAN_PARAMETERS, params: new Uint8Array(3) });
    expect(r.status).toBe(S.INVALID_HCI_COMMAND_PARAMETERS);
    const r2 = await a.host.send({ kind: 'command', opcode: C.HCI_LE_CREATE_CONNECTION, params: new Uint8Array(2) });
    expect(r2.status).toBe(S.INVALID_HCI_COMMAND_PARAMETERS);
    expect(eventsOf(a, C.HCI_COMMAND_STATUS).length).toBe(1); // create connection answers with Command Status
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
    await a.host.command(C.HCI_LE_CREATE_CONNECTION_CANCEL);
    await flush();
    expect(connectionCompletes(a).map((x) => x.status)).toEqual([S.UNKNOWN_CONNECTION_IDENTIFIER]);
    expect((await a.host.send(createConnection(c))).status).toBe(S.SUCCESS);
    // Nothing pending after the new attempt is cancelled: a second cancel is disallowed.
    await a.host.command(C.HCI_LE_CREATE_CONNECTION_CANCEL);
    expect((await a.host.send({ kind: 'command', opcode: C.HCI_LE_CREATE_CONNECTION_CANCEL, params: new Uint8Array() })).status).toBe(
      S.COMMAND_DISALLOWED,
    );
  });

  it('refuses to connect while scanning when the adapter is set that way, and allows it otherwise', async () => {
    const strict = await bench.node({ name: 'strict', disallowConnectWhileScanning: true });
    const lax = await bench.node({ name: 'lax' });
    const target = await bench.node({ name: 'target' });
    for (const n of [strict, lax]) {
      await n.host.send(encodeScanParameters({ active: true, interval: 0x10, window: 0x10, ownAddressType: 0, filterPolicy: 0 }));
      await n.host.send(encodeScanEnable({ enable: true, filterDuplicates: false }));
    }
    expect((await strict.host.send(createConnection(target))).status).toBe(S.COMMAND_DISALLOWED);
    expect((await lax.host.send(createConnection(target))).status).toBe(S.SUCCESS);
    await strict.host.send(encodeScanEnable({ enable: false, filterDuplicates: false }));
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
    const r = await pico.host.send({ kind: 'command', opcode: C.HCI_LE_SET_ADVERTISING_ENABLE, params: new Uint8Array([1]) });
    expect(r.status).toBe(S.COMMAND_DISALLOWED);
    expect(bench.radio.get('pico').controller.isAdvertising).toBe(false);
  });
});

describe('events and flow control', () => {
  it('sends no LE events the host has masked out', async () => {
    const scanner = await bench.node({ name: 'scanner' });
    const adv = await bench.node({ name: 'adv' });
    await scanner.host.command(C.HCI_LE_SET_EVENT_MASK, new Uint8Array(8)); // all LE events off
    await scanner.host.send(encodeScanParameters({ active: false, interval: 0x10, window: 0x10, ownAddressType: 0, filterPolicy: 0 }));
    await scanner.host.send(encodeScanEnable({ enable: true, filterDuplicates: false }));
    await startAdvertising(adv);
    await bench.advance(200, 10);
    expect(eventsOf(scanner, C.HCI_LE_META).length).toBe(0);
    await scanner.host.command(C.HCI_LE_SET_EVENT_MASK, Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]));
    await bench.advance(200, 10);
    expect(eventsOf(scanner, C.HCI_LE_META, C.HCI_LE_ADVERTISING_REPORT).length).toBeGreaterThan(0);
  });

  it('answers a host that overruns its ACL buffers with Data Buffer Overflow and drops the packet', async () => {
    const a = await bench.node({ name: 'a', leAclBufferCount: 2 });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    for (let i = 0; i < 3; i++) a.host.sendAcl({ handle: centralHandle, pb: C.PB_FIRST_NON_FLUSHABLE, bc: 0, data: new Uint8Array([1, 0, 4, 0, i]) });
    await flush();
    expect(eventsOf(a, C.HCI_DATA_BUFFER_OVERFLOW).length).toBe(1);
    await bench.advance(100, 5);
    expect(b.acl.map((p) => p.data[4])).toEqual([0, 1]);
  });
});
