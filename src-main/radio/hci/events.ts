// Encoders for the events a controller sends. Core Vol 4 Part E 7.7. Pure: bytes in, packets out.
import { ByteWriter } from './bytes.ts';
import {
  HCI_COMMAND_COMPLETE,
  HCI_COMMAND_STATUS,
  HCI_DATA_BUFFER_OVERFLOW,
  HCI_DISCONNECTION_COMPLETE,
  HCI_HARDWARE_ERROR,
  HCI_LE_ADVERTISING_REPORT,
  HCI_LE_CONNECTION_COMPLETE,
  HCI_LE_CONNECTION_UPDATE_COMPLETE,
  HCI_LE_DATA_LENGTH_CHANGE,
  HCI_LE_ENHANCED_CONNECTION_COMPLETE,
  HCI_LE_EXTENDED_ADVERTISING_REPORT,
  HCI_LE_META,
  HCI_LE_READ_REMOTE_FEATURES_COMPLETE,
  HCI_NUMBER_OF_COMPLETED_PACKETS,
  HCI_READ_REMOTE_VERSION_INFORMATION_COMPLETE,
} from './constants.ts';
import type { HciEvent } from './packets.ts';

const event = (code: number, params: Uint8Array): HciEvent => ({ kind: 'event', code, params });
const leMeta = (subevent: number, w: ByteWriter): HciEvent => {
  const body = w.finish();
  const params = new Uint8Array(body.length + 1);
  params[0] = subevent;
  params.set(body, 1);
  return event(HCI_LE_META, params);
};

/** 7.7.14. Num_HCI_Command_Packets is 1: one command in flight per host. */
export function commandComplete(opcode: number, status: number, returnParams: Uint8Array = new Uint8Array(0)): HciEvent {
  return event(HCI_COMMAND_COMPLETE, new ByteWriter().u8(1).u16(opcode).u8(status).bytes(returnParams).finish());
}

/** 7.7.14 with Command_Opcode 0x0000: the controller is ready for commands (sent after power-on). */
export function commandCompleteNop(): HciEvent {
  return event(HCI_COMMAND_COMPLETE, new ByteWriter().u8(1).u16(0x0000).finish());
}

/** 7.7.15 */
export function commandStatus(status: number, opcode: number): HciEvent {
  return event(HCI_COMMAND_STATUS, new ByteWriter().u8(status).u8(1).u16(opcode).finish());
}

/** 7.7.5 */
export function disconnectionComplete(status: number, handle: number, reason: number): HciEvent {
  return event(HCI_DISCONNECTION_COMPLETE, new ByteWriter().u8(status).u16(handle).u8(reason).finish());
}

/** 7.7.12 */
export function readRemoteVersionInformationComplete(
  status: number,
  handle: number,
  version: number,
  manufacturer: number,
  subversion: number,
): HciEvent {
  return event(
    HCI_READ_REMOTE_VERSION_INFORMATION_COMPLETE,
    new ByteWriter().u8(status).u16(handle).u8(version).u16(manufacturer).u16(subversion).finish(),
  );
}

/** 7.7.16 */
export function hardwareError(hardwareCode: number): HciEvent {
  return event(HCI_HARDWARE_ERROR, new Uint8Array([hardwareCode & 0xff]));
}

/** 7.7.19 */
export function numberOfCompletedPackets(counts: ReadonlyArray<{ handle: number; packets: number }>): HciEvent {
  const w = new ByteWriter().u8(counts.length);
  for (const c of counts) w.u16(c.handle).u16(c.packets);
  return event(HCI_NUMBER_OF_COMPLETED_PACKETS, w.finish());
}

/** 7.7.26, Link_Type 0x01 (ACL). */
export function dataBufferOverflow(): HciEvent {
  return event(HCI_DATA_BUFFER_OVERFLOW, new Uint8Array([0x01]));
}

export interface ConnectionCompleteFields {
  status: number;
  handle: number;
  role: number;
  peerAddressType: number;
  peerAddress: Uint8Array;
  /** In 1.25 ms units. */
  interval: number;
  latency: number;
  /** In 10 ms units. */
  supervisionTimeout: number;
}

/** 7.7.65.1. Central_Clock_Accuracy 0x00 (500 ppm). */
export function leConnectionComplete(f: ConnectionCompleteFields): HciEvent {
  return leMeta(
    HCI_LE_CONNECTION_COMPLETE,
    new ByteWriter()
      .u8(f.status)
      .u16(f.handle)
      .u8(f.role)
      .u8(f.peerAddressType)
      .fixed(f.peerAddress, 6)
      .u16(f.interval)
      .u16(f.latency)
      .u16(f.supervisionTimeout)
      .u8(0x00),
  );
}

/** 7.7.65.10. No address resolution here, so both resolvable private addresses are zero. */
export function leEnhancedConnectionComplete(f: ConnectionCompleteFields): HciEvent {
  return leMeta(
    HCI_LE_ENHANCED_CONNECTION_COMPLETE,
    new ByteWriter()
      .u8(f.status)
      .u16(f.handle)
      .u8(f.role)
      .u8(f.peerAddressType)
      .fixed(f.peerAddress, 6)
      .fixed(new Uint8Array(0), 6)
      .fixed(new Uint8Array(0), 6)
      .u16(f.interval)
      .u16(f.latency)
      .u16(f.supervisionTimeout)
      .u8(0x00),
  );
}

export interface AdvertisingReportFields {
  eventType: number;
  addressType: number;
  address: Uint8Array;
  data: Uint8Array;
  rssi: number;
}

/** 7.7.65.2, one report per event. */
export function leAdvertisingReport(f: AdvertisingReportFields): HciEvent {
  return leMeta(
    HCI_LE_ADVERTISING_REPORT,
    new ByteWriter().u8(1).u8(f.eventType).u8(f.addressType).fixed(f.address, 6).u8(f.data.length).bytes(f.data).i8(f.rssi),
  );
}

/** 7.7.65.13, one legacy report per event: primary PHY LE 1M, no secondary PHY, no SID. */
export function leExtendedAdvertisingReport(f: AdvertisingReportFields): HciEvent {
  return leMeta(
    HCI_LE_EXTENDED_ADVERTISING_REPORT,
    new ByteWriter()
      .u8(1)
      .u16(f.eventType)
      .u8(f.addressType)
      .fixed(f.address, 6)
      .u8(0x01) // Primary_PHY: LE 1M
      .u8(0x00) // Secondary_PHY: none
      .u8(0xff) // Advertising_SID: not provided
      .i8(127) // Tx_Power: not available
      .i8(f.rssi)
      .u16(0x0000) // Periodic_Advertising_Interval: none
      .u8(0x00)
      .fixed(new Uint8Array(0), 6)
      .u8(f.data.length)
      .bytes(f.data),
  );
}

/** 7.7.65.3 */
export function leConnectionUpdateComplete(
  status: number,
  handle: number,
  interval: number,
  latency: number,
  supervisionTimeout: number,
): HciEvent {
  return leMeta(
    HCI_LE_CONNECTION_UPDATE_COMPLETE,
    new ByteWriter().u8(status).u16(handle).u16(interval).u16(latency).u16(supervisionTimeout),
  );
}

/** 7.7.65.4 */
export function leReadRemoteFeaturesComplete(status: number, handle: number, features: Uint8Array): HciEvent {
  return leMeta(HCI_LE_READ_REMOTE_FEATURES_COMPLETE, new ByteWriter().u8(status).u16(handle).fixed(features, 8));
}

/** 7.7.65.7 */
export function leDataLengthChange(
  handle: number,
  maxTxOctets: number,
  maxTxTime: number,
  maxRxOctets: number,
  maxRxTime: number,
): HciEvent {
  return leMeta(
    HCI_LE_DATA_LENGTH_CHANGE,
    new ByteWriter().u16(handle).u16(maxTxOctets).u16(maxTxTime).u16(maxRxOctets).u16(maxRxTime),
  );
}
