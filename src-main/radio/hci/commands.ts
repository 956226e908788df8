// Decoders (and, for tests and our own host, encoders) of command parameters.
// Core Vol 4 Part E 7.1-7.8. A malformed parameter block throws DecodeError; the controller
// answers it with Invalid HCI Command Parameters.
import { ByteReader, ByteWriter } from './bytes.ts';
import { HCI_DISCONNECT, HCI_LE_CREATE_CONNECTION, HCI_LE_SET_ADVERTISING_DATA, HCI_LE_SET_ADVERTISING_ENABLE, HCI_LE_SET_ADVERTISING_PARAMETERS, HCI_LE_SET_SCAN_ENABLE, HCI_LE_SET_SCAN_PARAMETERS, HCI_LE_SET_SCAN_RESPONSE_DATA } from './constants.ts';
import type { HciCommand } from './packets.ts';

const command = (opcode: number, w: ByteWriter): HciCommand => ({ kind: 'command', opcode, params: w.finish() });

/** A connection handle alone (Read RSSI, LE Read Remote Features, Read Remote Version Information). */
export function decodeHandle(p: Uint8Array): number {
  const r = new ByteReader(p);
  const handle = r.u16() & 0x0fff;
  r.end();
  return handle;
}

/** An 8-octet bit mask (Set Event Mask 7.3.1, LE Set Event Mask 7.8.1). */
export function decodeMask(p: Uint8Array): Uint8Array {
  const r = new ByteReader(p);
  const mask = r.bytesN(8);
  r.end();
  return mask;
}

/** LE Set Random Address, 7.8.4 */
export function decodeAddress(p: Uint8Array): Uint8Array {
  const r = new ByteReader(p);
  const a = r.bytesN(6);
  r.end();
  return a;
}

export interface Disconnect {
  handle: number;
  reason: number;
}
/** 7.1.6 */
export function decodeDisconnect(p: Uint8Array): Disconnect {
  const r = new ByteReader(p);
  const v = { handle: r.u16() & 0x0fff, reason: r.u8() };
  r.end();
  return v;
}
export const encodeDisconnect = (v: Disconnect): HciCommand =>
  command(HCI_DISCONNECT, new ByteWriter().u16(v.handle).u8(v.reason));

export interface AdvertisingParameters {
  intervalMin: number;
  intervalMax: number;
  advertisingType: number;
  ownAddressType: number;
  peerAddressType: number;
  peerAddress: Uint8Array;
  channelMap: number;
  filterPolicy: number;
}
/** 7.8.5 */
export function decodeAdvertisingParameters(p: Uint8Array): AdvertisingParameters {
  const r = new ByteReader(p);
  const v = {
    intervalMin: r.u16(),
    intervalMax: r.u16(),
    advertisingType: r.u8(),
    ownAddressType: r.u8(),
    peerAddressType: r.u8(),
    peerAddress: r.bytesN(6),
    channelMap: r.u8(),
    filterPolicy: r.u8(),
  };
  r.end();
  return v;
}
export const encodeAdvertisingParameters = (v: AdvertisingParameters): HciCommand =>
  command(
    HCI_LE_SET_ADVERTISING_PARAMETERS,
    new ByteWriter()
      .u16(v.intervalMin)
      .u16(v.intervalMax)
      .u8(v.advertisingType)
      .u8(v.ownAddressType)
      .u8(v.peerAddressType)
      .fixed(v.peerAddress, 6)
      .u8(v.channelMap)
      .u8(v.filterPolicy),
  );

/** 7.8.7 and 7.8.8: a length octet, then 31 octets of which the first `length` count. */
export function decodeAdvertisingData(p: Uint8Array): Uint8Array {
  const r = new ByteReader(p);
  const len = r.u8();
  const data = r.bytesN(31);
  r.end();
  if (len > 31) throw new RangeError('Advertising_Data_Length exceeds 31');
  return data.slice(0, len);
}
export function encodeAdvertisingData(data: Uint8Array, scanResponse = false): HciCommand {
  if (data.length > 31) throw new RangeError('advertising data exceeds 31 octets');
  return command(
    scanResponse ? HCI_LE_SET_SCAN_RESPONSE_DATA : HCI_LE_SET_ADVERTISING_DATA,
    new ByteWriter().u8(data.length).fixed(data, 31),
  );
}

/** A single enable octet (7.8.9). */
export function decodeEnable(p: Uint8Array): boolean {
  const r = new ByteReader(p);
  const v = r.u8();
  r.end();
  if (v > 1) throw new RangeError('enable must be 0 or 1');
  return v === 1;
}
export const encodeAdvertisingEnable = (enable: boolean): HciCommand =>
  command(HCI_LE_SET_ADVERTISING_ENABLE, new ByteWriter().u8(enable ? 1 : 0));

export interface ScanParameters {
  active: boolean;
  /** In 0.625 ms units. */
  interval: number;
  window: number;
  ownAddressType: number;
  filterPolicy: number;
}
/** 7.8.10 */
export function decodeScanParameters(p: Uint8Array): ScanParameters {
  const r = new ByteReader(p);
  const v = { active: r.u8() === 1, interval: r.u16(), window: r.u16(), ownAddressType: r.u8(), filterPolicy: r.u8() };
  r.end();
  return v;
}
export const encodeScanParameters = (v: ScanParameters): HciCommand =>
  command(
    HCI_LE_SET_SCAN_PARAMETERS,
    new ByteWriter().u8(v.active ? 1 : 0).u16(v.interval).u16(v.window).u8(v.ownAddressType).u8(v.filterPolicy),
  );

/** 7.8.64: one PHY entry per bit set in Scanning_PHYs; the LE 1M entry (bit 0) is the one used. */
export function decodeExtendedScanParameters(p: Uint8Array): ScanParameters {
  const r = new ByteReader(p);
  const ownAddressType = r.u8();
  const filterPolicy = r.u8();
  const phys = r.u8();
  if ((phys & 0x05) === 0 || (phys & ~0x05) !== 0) throw new RangeError('Scanning_PHYs must name LE 1M and/or LE Coded');
  let first: ScanParameters | undefined;
  for (const bit of [0x01, 0x04]) {
    if (!(phys & bit)) continue;
    const entry = { active: r.u8() === 1, interval: r.u16(), window: r.u16(), ownAddressType, filterPolicy };
    first ??= entry;
  }
  r.end();
  return first!;
}

export interface ScanEnable {
  enable: boolean;
  filterDuplicates: boolean;
}
/** 7.8.11 */
export function decodeScanEnable(p: Uint8Array): ScanEnable {
  const r = new ByteReader(p);
  const v = { enable: r.u8() === 1, filterDuplicates: r.u8() === 1 };
  r.end();
  return v;
}
export const encodeScanEnable = (v: ScanEnable): HciCommand =>
  command(HCI_LE_SET_SCAN_ENABLE, new ByteWriter().u8(v.enable ? 1 : 0).u8(v.filterDuplicates ? 1 : 0));

/** 7.8.65: Duration and Period are accepted; scanning runs until disabled. */
export function decodeExtendedScanEnable(p: Uint8Array): ScanEnable {
  const r = new ByteReader(p);
  const v = { enable: r.u8() === 1, filterDuplicates: r.u8() !== 0 };
  r.u16();
  r.u16();
  r.end();
  return v;
}

export interface ConnectionParameters {
  /** In 1.25 ms units. */
  intervalMin: number;
  intervalMax: number;
  maxLatency: number;
  /** In 10 ms units. */
  supervisionTimeout: number;
}

export interface CreateConnection extends ConnectionParameters {
  filterPolicy: number;
  peerAddressType: number;
  peerAddress: Uint8Array;
  ownAddressType: number;
}
/** 7.8.12 */
export function decodeCreateConnection(p: Uint8Array): CreateConnection {
  const r = new ByteReader(p);
  r.u16(); // LE_Scan_Interval
  r.u16(); // LE_Scan_Window
  const v = {
    filterPolicy: r.u8(),
    peerAddressType: r.u8(),
    peerAddress: r.bytesN(6),
    ownAddressType: r.u8(),
    intervalMin: r.u16(),
    intervalMax: r.u16(),
    maxLatency: r.u16(),
    supervisionTimeout: r.u16(),
  };
  r.u16(); // Min_CE_Length
  r.u16(); // Max_CE_Length
  r.end();
  return v;
}
export const encodeCreateConnection = (v: CreateConnection): HciCommand =>
  command(
    HCI_LE_CREATE_CONNECTION,
    new ByteWriter()
      .u16(0x0060)
      .u16(0x0060)
      .u8(v.filterPolicy)
      .u8(v.peerAddressType)
      .fixed(v.peerAddress, 6)
      .u8(v.ownAddressType)
      .u16(v.intervalMin)
      .u16(v.intervalMax)
      .u16(v.maxLatency)
      .u16(v.supervisionTimeout)
      .u16(0)
      .u16(0),
  );

/** 7.8.66: one 16-octet entry per bit in Initiating_PHYs (LE 1M, LE 2M, LE Coded); the first is used. */
export function decodeExtendedCreateConnection(p: Uint8Array): CreateConnection {
  const r = new ByteReader(p);
  const filterPolicy = r.u8();
  const ownAddressType = r.u8();
  const peerAddressType = r.u8();
  const peerAddress = r.bytesN(6);
  const phys = r.u8();
  if ((phys & 0x07) === 0 || (phys & ~0x07) !== 0) throw new RangeError('Initiating_PHYs must name a PHY');
  let first: CreateConnection | undefined;
  for (const bit of [0x01, 0x02, 0x04]) {
    if (!(phys & bit)) continue;
    r.u16(); // Scan_Interval
    r.u16(); // Scan_Window
    const entry = {
      filterPolicy,
      ownAddressType,
      peerAddressType,
      peerAddress,
      intervalMin: r.u16(),
      intervalMax: r.u16(),
      maxLatency: r.u16(),
      supervisionTimeout: r.u16(),
    };
    r.u16(); // Min_CE_Length
    r.u16(); // Max_CE_Length
    first ??= entry;
  }
  r.end();
  return first!;
}

export interface ConnectionUpdate extends ConnectionParameters {
  handle: number;
}
/** 7.8.18 */
export function decodeConnectionUpdate(p: Uint8Array): ConnectionUpdate {
  const r = new ByteReader(p);
  const v = {
    handle: r.u16() & 0x0fff,
    intervalMin: r.u16(),
    intervalMax: r.u16(),
    maxLatency: r.u16(),
    supervisionTimeout: r.u16(),
  };
  r.u16();
  r.u16();
  r.end();
  return v;
}

export interface SetDataLength {
  handle: number;
  txOctets: number;
  txTime: number;
}
/** 7.8.33 */
export function decodeSetDataLength(p: Uint8Array): SetDataLength {
  const r = new ByteReader(p);
  const v = { handle: r.u16() & 0x0fff, txOctets: r.u16(), txTime: r.u16() };
  r.end();
  return v;
}

/**
 * Connection parameter ranges, Core Vol 4 Part E 7.8.12: interval 0x0006-0x0C80, latency
 * 0-0x01F3, timeout 0x000A-0x0C80 and larger than (1 + latency) * interval * 2.
 */
export function validConnectionParameters(c: ConnectionParameters): boolean {
  if (c.intervalMin < 0x0006 || c.intervalMax > 0x0c80 || c.intervalMin > c.intervalMax) return false;
  if (c.maxLatency > 0x01f3) return false;
  if (c.supervisionTimeout < 0x000a || c.supervisionTimeout > 0x0c80) return false;
  const timeoutMs = c.supervisionTimeout * 10;
  return timeoutMs > (1 + c.maxLatency) * c.intervalMax * 1.25 * 2;
}
