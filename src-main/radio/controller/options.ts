// What a virtual controller is: its identity and the limits of the chip it imitates.
import type { Position } from '../air/path-loss.ts';

export interface ControllerOptions {
  /** Node name, for logs and the CLI. */
  name: string;
  /** Public BD_ADDR, "AA:BB:CC:DD:EE:FF". */
  address: string;
  position: Position;
  /** Simultaneous connections, both roles together. */
  maxConnections: number;
  /** Some adapters refuse LE Create Connection while scanning (Command Disallowed). */
  disallowConnectWhileScanning: boolean;
  /** HCI_LE_Read_Buffer_Size: octets per ACL packet and how many the controller buffers. */
  leAclBufferLength: number;
  leAclBufferCount: number;
  /** LE Data Packet Length Extension (payloads up to 251 octets). */
  dataLengthExtension: boolean;
  /** LE Extended Advertising: the extended scan and create-connection commands. */
  extendedAdvertising: boolean;
  /** Data PDUs each side may send in one connection event. */
  maxPdusPerEvent: number;
}

/** A common laptop adapter (Bluetooth 5.x USB chip): 7 connections, DLE, extended advertising. */
export const LAPTOP_ADAPTER: Omit<ControllerOptions, 'name' | 'address' | 'position'> = {
  maxConnections: 7,
  disallowConnectWhileScanning: false,
  leAclBufferLength: 251,
  leAclBufferCount: 8,
  dataLengthExtension: true,
  extendedAdvertising: true,
  maxPdusPerEvent: 6,
};

/** The Pico W's CYW43439 as MicroPython's BTstack build uses it: one connection, 27-octet payloads. */
export const PICO_W_CONTROLLER: Omit<ControllerOptions, 'name' | 'address' | 'position'> = {
  maxConnections: 1,
  disallowConnectWhileScanning: false,
  leAclBufferLength: 27,
  leAclBufferCount: 8,
  dataLengthExtension: false,
  extendedAdvertising: false,
  maxPdusPerEvent: 4,
};

// Local version information reported by every virtual controller. Core Vol 4 Part E 7.4.1;
// version numbers from Assigned Numbers 2.1 (0x0D = Core 5.4); company 0xFFFF is reserved for tests.
export const HCI_VERSION_5_4 = 0x0d;
export const LMP_VERSION_5_4 = 0x0d;
export const MANUFACTURER_TEST = 0xffff;
export const HCI_REVISION = 0x0001;
export const LMP_SUBVERSION = 0x0001;
