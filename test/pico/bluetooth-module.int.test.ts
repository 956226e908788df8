// The `bluetooth` module as firmware sees it inside virtual Pico W boards, against the documented
// behaviour (docs/library/bluetooth.rst) and the Pico W build's BTstack binding
// (extmod/btstack/modbluetooth_btstack.c, with the argument checks of extmod/modbluetooth.c):
// every IRQ in scope with the shape and types of its data tuple, IRQ memoryviews lent only for the
// call, the OSError errnos, UUID, config and the local value store. As micropython's
// tests/multi_bluetooth do it, each firmware (test/fixtures/firmware/bt-*) prints one line per
// event or call, and each board's console is compared with the expected lines, in order.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HciClient } from '../../src-main/host/hci-client.ts';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { parseAddress } from '../../src-main/hci/address.ts';
import { Reset, SetEventMask } from '../../src-main/hci/commands/baseband.ts';
import { LeConnectionUpdate, LeCreateConnection } from '../../src-main/hci/commands/le-connection.ts';
import { LeSetEventMask } from '../../src-main/hci/commands/le-controller.ts';
import { Disconnect } from '../../src-main/hci/commands/link-control.ts';
import * as C from '../../src-main/hci/constants.ts';
import type { FieldsOf } from '../../src-main/hci/event.ts';
import { DisconnectionComplete } from '../../src-main/hci/events.ts';
import { encodeL2cap } from '../../src-main/hci/l2cap-frame.ts';
import { LeConnectionComplete, LeConnectionUpdateComplete } from '../../src-main/hci/le-events.ts';
import {
  encodeConnectionParameterUpdateRequest,
  encodeSignaling,
  L2CAP_CID_LE_SIGNALING,
  L2CAP_CONNECTION_PARAMETER_UPDATE_REQUEST,
} from '../../src-main/host/l2cap-codec.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { startAdvertising, type TestNode } from '../radio/harness.ts';
import { pyBytes, waitConsole as line } from './console.ts';

const FIRMWARE = path.resolve(import.meta.dirname, '../fixtures/firmware');

/** A radio for one describe block, with the boards put on it: made before its tests, closed after. */
function onOneRadio(): { readonly radio: Radio; board(name: string, firmware: string): VirtualPico } {
  let radio: Radio | null = null;
  const picos: VirtualPico[] = [];
  beforeAll(() => {
    radio = new Radio();
  });
  afterAll(async () => {
    for (const p of picos) await p.close();
    radio?.close();
  });
  return {
    get radio() {
      return radio!;
    },
    board(name, firmware) {
      const p = new VirtualPico(radio!, { name, files: readFirmware(path.join(FIRMWARE, firmware)) });
      picos.push(p);
      return p;
    },
  };
}


/** An expected-output block, one line per line, as a .exp file holds it. */
const lines = (block: string): string[] => block.trim().split('\n');


const NO_ADDR = pyBytes(new Uint8Array(6)); // the binding reports disconnects with addr_type 0xff, addr zeros

describe('the bluetooth module on one board', () => {
  const bench = onOneRadio();

  it('UUID, BLE(), errors before active(True), config, services, the value store and argument checks', async () => {
    const p = bench.board('api', 'bt-api');
    await p.powerOn();
    await line(p, /^done$/);
    const mac = pyBytes(p.uniqueId);
    expect(p.console).toEqual(
      lines(String.raw`
-- UUID
UUID(0x180D) -> UUID(0x180d)
str(UUID(0x180D)) -> 'UUID(0x180d)'
UUID(NUS) -> UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e')
UUID(NUS without dashes) -> UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e')
UUID(dashes anywhere) == UUID(NUS) -> True
UUID(2 bytes) -> UUID(0x180d)
UUID(4 bytes) -> UUID(0x12345678)
UUID(16 bytes) -> UUID('0f0e0d0c-0b0a-0908-0706-050403020100')
UUID(bytes(UUID(NUS))) == UUID(NUS) -> True
UUID(UUID(0x2A37)) -> UUID(0x2a37)
bytes(UUID(0x180D)) -> b'\r\x18'
UUID(0x180D) == UUID(b'\x0d\x18') -> True
hash(UUID(0x180D)) == hash(UUID(b'\x0d\x18')) -> True
len({UUID(0x180D), UUID(b'\x0d\x18'), UUID(0x2A37)}) -> 2
{UUID(NUS): 1}[UUID(NUS.lower())] -> 1
UUID(0x180D) == UUID(b'\x0d\x18\x00\x00') -> False
UUID(0x180D) == 0x180D -> False
UUID(0x180D) != UUID(0x180E) -> True
UUID(0x190D) < UUID(0x180E) -> True
UUID('ab') -> UUID(0x6261)
UUID('180d') -> UUID(0x64303831)
UUID(0x10000) -> ValueError invalid UUID
UUID(NUS[:-1]) -> ValueError UUID too short
UUID(NUS + '0') -> ValueError UUID too long
UUID(NUS with 'X') -> ValueError invalid char in UUID
UUID('') -> ValueError UUID too short
UUID(3 bytes) -> ValueError invalid char in UUID
UUID(1.5) -> TypeError object with buffer protocol required
UUID(None) -> TypeError object with buffer protocol required
-- before active(True)
BLE() is BLE() -> True
BLE() -> <BLE>
active() -> False
irq(handler) -> None
config('mac') -> OSError 19
config('mtu') -> OSError 19
config(mtu=100) -> OSError 19
config(addr_mode=1) -> OSError 19
gap_advertise(100000, b'x') -> OSError 19
gap_advertise(None) -> None
gap_scan(100) -> OSError 19
gap_scan(None) -> OSError 19
gap_disconnect(0) -> OSError 19
gatts_register_services(()) -> OSError 19
gatts_read(3) -> OSError 19
gatts_write(3, b'x') -> OSError 19
gatts_notify(0, 3) -> OSError 19
gatts_indicate(0, 3) -> OSError 19
gatts_set_buffer(3, 10) -> OSError 19
gattc_discover_services(0) -> OSError 19
gattc_discover_characteristics(0, 1, 2) -> OSError 19
gattc_discover_descriptors(0, 1, 2) -> OSError 19
gattc_read(0, 3) -> OSError 19
gattc_write(0, 3, b'x') -> OSError 19
gattc_write(0, 3, b'x', 1) -> OSError 19
gattc_exchange_mtu(0) -> None
-- active(True) and config
active(True) -> True
active() -> True
active(True) again -> True
config('mac') -> (0, ${mac})
config('gap_name') -> b'MPY BTSTACK'
config(gap_name='pico') -> None
config('gap_name') -> b'pico'
config(gap_name=b'\x00raw') -> None
config('gap_name') -> b'\x00raw'
config(gap_name=123) -> TypeError object with buffer protocol required
config('mtu') -> 1017
config(mtu=185) -> None
config('mtu') -> 185
config(mtu=2000) -> OSError 22
config('mtu') -> 185
config(mtu='x') -> TypeError can't convert str to int
config(addr_mode=1) -> None
config('mac')[0] -> 1
config(addr_mode=0) -> None
config('mac')[0] -> 0
config(addr_mode=2) -> OSError 22
config('rxbuf') -> ValueError unknown config param
config('addr_mode') -> ValueError unknown config param
config(foo=1) -> ValueError unknown config param
config() -> TypeError must query one param
config('mtu', 'mac') -> TypeError must query one param
config('mtu', mtu=100) -> TypeError can't specify pos and kw args
irq('x') -> ValueError invalid handler
-- gatts_register_services
service uuid not a UUID -> ValueError invalid service UUID
characteristic uuid not a UUID -> ValueError invalid characteristic UUID
characteristic tuple of 1 -> ValueError invalid characteristic tuple
descriptor uuid not a UUID -> ValueError invalid descriptor UUID
32-bit service uuid -> OSError 22
gatts_register_services((HR, UART)) -> ((9, 12), (15, 18, 19))
-- gatts_write / gatts_read
gatts_write(hr, b'abc') -> 3
gatts_read(hr) -> b'abc'
gatts_write(hr, 'text') -> 4
gatts_read(hr) -> b'text'
gatts_write(hr, bytearray(b'ba')) -> 2
gatts_read(hr) -> b'ba'
gatts_write(hr, memoryview(b'xmemv')[1:]) -> 4
gatts_read(hr) -> b'memv'
gatts_write(hr, bytes(1000)) -> 1000
len(gatts_read(hr)) -> 1000
gatts_write(hr, b'') -> 0
gatts_read(hr) -> b''
gatts_read(3) -> b'\x00raw'
gatts_write(hr, 123) -> TypeError object with buffer protocol required
gatts_write(hr, None) -> TypeError object with buffer protocol required
gatts_write('9', b'x') -> TypeError can't convert str to int
gatts_read(999) -> OSError 22
gatts_read(1) -> OSError 22
gatts_write(999, b'x') -> OSError 22
gatts_set_buffer(999, 10) -> OSError 22
gatts_write(loc, b'x', True) -> OSError 22
gatts_write(hr, b'x', True) -> 1
gatts_notify(0, hr) -> OSError 22
gatts_indicate(0, hr, b'x') -> OSError 22
gatts_notify(0, hr, 123) -> TypeError object with buffer protocol required
-- gatts_set_buffer
gatts_set_buffer(rx, 10) -> None
gatts_read(rx) -> b''
gatts_write(rx, b'kept') -> 4
gatts_read(rx) -> b'kept'
gatts_read(rx) -> b'kept'
gatts_set_buffer(rx, 10, True) -> None
gatts_read(rx) -> b''
gatts_write(rx, b'once') -> 4
gatts_read(rx) -> b'once'
gatts_read(rx) -> b''
-- GAP
gap_advertise(100000, bytes(40)) -> None
gap_advertise(None) -> None
gap_advertise(100000, 123) -> TypeError object with buffer protocol required
gap_advertise('1', b'') -> TypeError can't convert str to int
gap_scan(50) -> None
irq 6 ()
gap_scan(None) -> None
irq 6 ()
gap_connect(0, b'12345') -> ValueError invalid addr
gap_disconnect(99) -> True
irq 8 (int, int, memoryview) 99 255 ${NO_ADDR}
gap_disconnect('x') -> TypeError can't convert str to int
-- GATT client without a connection
gattc_discover_services(99) -> OSError 22
gattc_discover_services(99, 'x') -> TypeError UUID
gattc_discover_services(99, 32-bit UUID) -> OSError 22
gattc_discover_characteristics(99, 1, 0xFFFF) -> OSError 22
gattc_discover_descriptors(99, 1, 2) -> OSError 22
gattc_read(99, 3) -> OSError 107
gattc_write(99, 3, b'x') -> OSError 22
gattc_write(99, 3, b'x', 1) -> OSError 107
gattc_exchange_mtu(99) -> None
-- arguments as modbluetooth.c takes them
gap_advertise() -> None
gap_advertise(interval_us=None) -> None
gap_advertise(100000, adv_data=b'', connectable=False) -> None
gap_advertise(None) -> None
gap_scan() -> None
gap_scan(None) -> None
irq 6 ()
gap_scan(duration_ms=50) -> TypeError function doesn't take keyword arguments
gap_scan(1, 2, 3, 4, 5) -> TypeError function expected at most 5 arguments, got 6
gap_connect(0, b'\x01' * 6, None, None, None) -> None
gap_connect(None) -> None
irq 7 (int, int, memoryview) 0 0 b'\x01\x01\x01\x01\x01\x01'
gap_connect(0, b'\x01' * 6, scan_duration_ms=None) -> TypeError function doesn't take keyword arguments
gap_connect(0) -> TypeError function missing 1 required positional arguments
gap_connect(0, None) -> TypeError object with buffer protocol required
gap_disconnect(conn_handle=1) -> TypeError function doesn't take keyword arguments
irq(handler=None) -> TypeError function doesn't take keyword arguments
gatts_set_buffer(rx, 10, append=True) -> TypeError function doesn't take keyword arguments
gattc_exchange_mtu() -> TypeError function takes 2 positional arguments but 1 were given
-- active(False)
active(False) -> False
active() -> False
gatts_read(hr) -> OSError 19
config('mac') -> OSError 19
active(True) -> True
gatts_read(hr) -> OSError 22
config('gap_name') -> b'MPY BTSTACK'
done
`),
    );
  });
});

describe('a GATT server and a GATT client, every IRQ between them', () => {
  const bench = onOneRadio();
  let server: VirtualPico;
  let client: VirtualPico;
  /** Lines where the binding and our host part ways; asserted on their own below. */
  const UNKNOWN_CONN_WHILE_CONNECTED = /^gattc_(read|write with response) unknown conn /;

  beforeAll(async () => {
    server = bench.board('server', 'bt-gatt-server');
    client = bench.board('client', 'bt-gatt-client');
    await server.powerOn();
    await line(server, /^advertising$/);
    await client.powerOn();
    await line(client, /^done$/);
    await line(server, /^done$/);
  });

  it('the server sees the connection, MTU, writes (append mode, 20-octet buffers) and indication confirmations', () => {
    const central = pyBytes(client.uniqueId);
    expect(server.console).toEqual(
      lines(String.raw`
handles 9 11 13 15
gatts_write returns 5
gap_advertise with 40 octets returns None
advertising
_IRQ_CENTRAL_CONNECT (int, int, memoryview) 64 0 ${central}
_IRQ_MTU_EXCHANGED (int, int) 64 600
_IRQ_GATTS_WRITE (int, int) 64 13
_IRQ_GATTS_WRITE (int, int) 64 13
_IRQ_GATTS_WRITE (int, int) 64 13
_IRQ_GATTS_WRITE (int, int) 64 15
gatts_read b b'abcdefg'
gatts_read b b''
_IRQ_GATTS_WRITE (int, int) 64 9
_IRQ_GATTS_WRITE (int, int) 64 15
gatts_read a b'0123456789abcdefghij'
_IRQ_GATTS_WRITE (int, int) 64 15
gatts_read a b'periph1'
_IRQ_GATTS_WRITE (int, int) 64 15
_IRQ_GATTS_INDICATE_DONE (int, int, int) 64 9 0
_IRQ_GATTS_INDICATE_DONE (int, int, int) 64 9 0
_IRQ_GATTS_WRITE (int, int) 64 15
gatts_notify unknown conn OSError 22
gatts_indicate unknown conn OSError 22
gatts_write send_update without CCCD OSError 22
_IRQ_GATTS_WRITE (int, int) 64 15
gatts_write returns 1024
gatts_read a 1024
_IRQ_CENTRAL_DISCONNECT (int, int, memoryview) 64 255 ${NO_ADDR}
done
`),
    );
  });

  it('the client sees scan results, discovery, reads, notifications and indications, and the errors of a client', () => {
    const peripheral = pyBytes(server.uniqueId);
    expect(client.console.filter((l) => !UNKNOWN_CONN_WHILE_CONNECTED.test(l))).toEqual(
      lines(String.raw`
mtu 600
adv_data is read-only
_IRQ_SCAN_RESULT (int, memoryview, int, int, memoryview) 0 ${peripheral} 0 True b'\x02\x01\x06\n\tbt-server'
_IRQ_SCAN_RESULT (int, memoryview, int, int, memoryview) 0 ${peripheral} 4 True b'\x11\x07\xa0\x00\x00\x00\x00\x00\x00\x00KNILOCIP'
_IRQ_SCAN_DONE ()
adv_data kept past its IRQ still shows the data: False
_IRQ_PERIPHERAL_CONNECT (int, int, memoryview) 64 0 ${peripheral}
_IRQ_MTU_EXCHANGED (int, int) 64 600
gattc_discover_characteristics in flight OSError 114
gattc_read in flight OSError 114
_IRQ_GATTC_SERVICE_RESULT (int, int, int, UUID) 64 1 3 UUID(0x1800)
_IRQ_GATTC_SERVICE_RESULT (int, int, int, UUID) 64 4 6 UUID(0x1801)
_IRQ_GATTC_SERVICE_RESULT (int, int, int, UUID) 64 7 15 UUID('5049434f-4c49-4e4b-0000-0000000000a0')
_IRQ_GATTC_SERVICE_DONE (int, int) 64 0
_IRQ_GATTC_SERVICE_RESULT (int, int, int, UUID) 64 7 15 UUID('5049434f-4c49-4e4b-0000-0000000000a0')
_IRQ_GATTC_SERVICE_DONE (int, int) 64 0
_IRQ_GATTC_CHARACTERISTIC_RESULT (int, int, int, int, UUID) 64 11 9 58 UUID('5049434f-4c49-4e4b-0000-0000000000a1')
_IRQ_GATTC_CHARACTERISTIC_RESULT (int, int, int, int, UUID) 64 13 13 14 UUID(0x2a3d)
_IRQ_GATTC_CHARACTERISTIC_RESULT (int, int, int, int, UUID) 64 65535 15 8 UUID(0xfff1)
_IRQ_GATTC_CHARACTERISTIC_DONE (int, int) 64 0
_IRQ_GATTC_CHARACTERISTIC_RESULT (int, int, int, int, UUID) 64 13 13 14 UUID(0x2a3d)
_IRQ_GATTC_CHARACTERISTIC_DONE (int, int) 64 0
_IRQ_GATTC_DESCRIPTOR_RESULT (int, int, UUID) 64 10 UUID(0x2902)
_IRQ_GATTC_DESCRIPTOR_RESULT (int, int, UUID) 64 11 UUID(0x2901)
_IRQ_GATTC_DESCRIPTOR_DONE (int, int) 64 0
_IRQ_GATTC_READ_RESULT (int, int, memoryview) 64 9 b'hello'
_IRQ_GATTC_READ_DONE (int, int, int) 64 9 0
char_data kept past its IRQ still shows the data: False
gattc_read while a read is pending OSError 114
_IRQ_GATTC_READ_RESULT (int, int, memoryview) 64 9 b'hello'
_IRQ_GATTC_READ_DONE (int, int, int) 64 9 0
_IRQ_GATTC_READ_RESULT (int, int, memoryview) 64 3 b'bt-server'
_IRQ_GATTC_READ_DONE (int, int, int) 64 3 0
_IRQ_GATTC_READ_RESULT (int, int, memoryview) 64 11 b'about a'
_IRQ_GATTC_READ_DONE (int, int, int) 64 11 0
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 13 0
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 15 0
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 15 b'ok drain'
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 9 0
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 15 0
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 15 b'ok read a'
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 10 0
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 15 0
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 9 b'periph1'
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 9 b'periph2'
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 9 b'periph3'
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 15 b'ok notify'
notify_data kept past its IRQ still shows the data: False
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 15 0
_IRQ_GATTC_INDICATE (int, int, memoryview) 64 9 b'ind1'
_IRQ_GATTC_INDICATE (int, int, memoryview) 64 9 b'periph3'
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 15 b'ok indicate'
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 15 0
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 15 b'ok errors'
_IRQ_GATTC_WRITE_DONE (int, int, int) 64 15 0
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 9 <597 octets b'\x00\x01'..b'ST'>
_IRQ_GATTC_NOTIFY (int, int, memoryview) 64 15 b'ok long'
_IRQ_GATTC_READ_RESULT (int, int, memoryview) 64 9 <599 octets b'\x00\x01'..b'UV'>
_IRQ_GATTC_READ_DONE (int, int, int) 64 9 0
gattc_write too long without response OSError 22
gattc_exchange_mtu again returns None
gattc_discover_services unknown conn OSError 22
gattc_write unknown conn OSError 22
gattc_write mode 2 OSError 22
gap_disconnect returns True
_IRQ_PERIPHERAL_DISCONNECT (int, int, memoryview) 64 255 ${NO_ADDR}
gattc_read after disconnect OSError 107
done
`),
    );
  });

  // The binding's find_active_connection() returns the last connection in its list when no handle
  // matches, so with a connection open the call goes on to BTstack's gatt_client, which answers
  // ERROR_CODE_UNKNOWN_CONNECTION_IDENTIFIER: OSError(EINVAL). ENOTCONN comes only when no connection is
  // open at all (as 'gattc_read after disconnect' shows, and the bt-api board with none).
  it('gattc_read / gattc_write(mode=1) on an unknown conn handle while a connection is open raise EINVAL, as on a Pico W', () => {
    expect(client.console.filter((l) => UNKNOWN_CONN_WHILE_CONNECTED.test(l))).toEqual([
      'gattc_read unknown conn OSError 22',
      'gattc_write with response unknown conn OSError 22',
    ]);
  });
});

describe('_IRQ_CONNECTION_UPDATE, raised when a peer changes the connection parameters', () => {
  const bench = onOneRadio();

  it('as peripheral (the central sends LE Connection Update) and as central (the peripheral asks over L2CAP)', async () => {
    const pico = bench.board('pico', 'bt-conn-update');
    const peer = await rawPeer(bench.radio, 'peer', 'C0:FF:EE:00:00:01');
    try {
      await pico.powerOn();
      await line(pico, /^advertising$/);

      // The peer as central: connect, change the interval to 15 ms and the timeout to 2 s, leave.
      const opened = peer.host.waitForEvent(LeConnectionComplete);
      await peer.host.command(LeCreateConnection, {
        leScanInterval: 0x0060,
        leScanWindow: 0x0060,
        initiatorFilterPolicy: 0,
        peerAddressType: 0,
        peerAddress: parseAddress(pico.node.controller.options.address),
        ownAddressType: 0,
        connectionIntervalMin: 6,
        connectionIntervalMax: 6,
        maxLatency: 0,
        supervisionTimeout: 100,
        minCeLength: 0,
        maxCeLength: 0,
      });
      let handle = connectionHandle(await opened);
      const updated = peer.host.waitForEvent(LeConnectionUpdateComplete);
      await peer.host.command(LeConnectionUpdate, {
        connectionHandle: handle,
        connectionIntervalMin: 12,
        connectionIntervalMax: 12,
        maxLatency: 0,
        supervisionTimeout: 200,
        minCeLength: 0,
        maxCeLength: 0,
      });
      await updated;
      await line(pico, /^_IRQ_CONNECTION_UPDATE /);
      await disconnect(peer, handle);

      // The peer as peripheral: the Pico connects; the peer asks for 20 ms and a 3 s timeout.
      const reopened = peer.host.waitForEvent(LeConnectionComplete);
      await startAdvertising(peer, 0x20, C.ADV_IND, Uint8Array.from([2, 1, 6, 9, 9, ...new TextEncoder().encode('raw-peer')]));
      handle = connectionHandle(await reopened);
      const applied = peer.host.waitForEvent(LeConnectionUpdateComplete);
      // L2CAP Connection Parameter Update Request on the LE signaling channel. Core 5.4 Vol 3 Part A 4.20.
      const data = encodeConnectionParameterUpdateRequest({ intervalMin: 16, intervalMax: 16, latency: 0, timeout: 300 });
      const request = encodeL2cap({ cid: L2CAP_CID_LE_SIGNALING, payload: encodeSignaling({ code: L2CAP_CONNECTION_PARAMETER_UPDATE_REQUEST, identifier: 1, data }) });
      peer.host.sendAcl({ handle, pb: 0x02, bc: 0, data: request });
      await applied;
      await line(pico, /^done$/);

      const addr = pyBytes(parseAddress('C0:FF:EE:00:00:01').reverse());
      expect(pico.console).toEqual(
        lines(String.raw`
advertising
_IRQ_CENTRAL_CONNECT (int, int, memoryview) 64 0 ${addr}
_IRQ_CONNECTION_UPDATE (int, int, int, int, int) 64 12 0 200 0
_IRQ_CENTRAL_DISCONNECT (int, int, memoryview) 64 255 ${NO_ADDR}
scanning
_IRQ_PERIPHERAL_CONNECT (int, int, memoryview) 65 0 ${addr}
_IRQ_CONNECTION_UPDATE (int, int, int, int, int) 65 16 0 300 0
gap_disconnect True
_IRQ_PERIPHERAL_DISCONNECT (int, int, memoryview) 65 255 ${NO_ADDR}
done
`),
      );
    } finally {
      peer.host.close();
    }
  });
});

/** A node driven by raw HCI from the test: the peer that changes connection parameters. */
async function rawPeer(radio: Radio, name: string, address: string): Promise<TestNode> {
  radio.addNode({ name, address });
  const host = new HciClient(radio.attachInProcess(name));
  const node: TestNode = { name, address, host, events: [], acl: [] };
  host.on('event', (e) => node.events.push(e));
  await host.command(Reset);
  await host.command(SetEventMask, { eventMask: new Uint8Array(8).fill(0xff) });
  await host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0xff, 0x01, 0, 0, 0, 0, 0, 0]) });
  return node;
}

/** The handle of a successful LE Connection Complete (7.7.65.1). */
function connectionHandle(e: FieldsOf<typeof LeConnectionComplete>): number {
  if (e.status !== 0) throw new Error(`LE connection failed: ${C.statusName(e.status)}`);
  return e.connectionHandle;
}

async function disconnect(node: TestNode, handle: number): Promise<void> {
  const closed = node.host.waitForEvent(DisconnectionComplete);
  await node.host.command(Disconnect, { connectionHandle: handle, reason: C.HciStatus.REMOTE_USER_TERMINATED_CONNECTION });
  await closed;
}
