// What a virtual controller is: its identity and the limits of the chip it imitates.
import type { Position } from '../air/path-loss.ts';
import { LAPTOP_INTERVAL_RULE, PICO_W_INTERVAL_RULE, type IntervalRule } from './interval-rule.ts';

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
  /**
   * Longest connection event the controller's scheduler allows, in microseconds from the anchor to
   * the end of the last packet. The event ends sooner when MD is clear or the next anchor is near
   * (Core 5.4 Vol 6 Part B 4.5.6); a connection uses the smaller of its two controllers' values.
   */
  maxEventUs: number;
  /** How this controller, as central, picks the interval within the host's [min, max] (interval-rule.ts). */
  connectionIntervalRule: IntervalRule;
  /** LE 2M PHY (LE feature bit 8): LE Set PHY can move a connection to 2M when the peer has it too. */
  le2mPhy: boolean;
  /** The Connection Parameters Request procedure (LE feature bit 1, Vol 6 Part B 5.1.7). */
  connectionParametersRequest: boolean;
}

/** A common laptop adapter (Bluetooth 5.x USB chip): 7 connections, DLE, extended advertising. */
export const LAPTOP_ADAPTER: Omit<ControllerOptions, 'name' | 'address' | 'position'> = {
  maxConnections: 7,
  disallowConnectWhileScanning: false,
  leAclBufferLength: 251,
  leAclBufferCount: 8,
  dataLengthExtension: true,
  extendedAdvertising: true,
  // No limit of its own: PC controllers stream for the whole event; the interval bounds it.
  maxEventUs: 4_000_000,
  connectionIntervalRule: LAPTOP_INTERVAL_RULE,
  le2mPhy: true,
  connectionParametersRequest: true,
};

/** The Pico W's CYW43439 as MicroPython's BTstack build uses it: one connection, 27-octet payloads. */
export const PICO_W_CONTROLLER: Omit<ControllerOptions, 'name' | 'address' | 'position'> = {
  maxConnections: 1,
  disallowConnectWhileScanning: false,
  // HCI_LE_Read_Buffer_Size of the CYW43439: 8 buffers of 251 octets ("right now 8 x 251 ~ 2 kB
  // are used", mringwal in raspberrypi/pico-sdk issue 1342). The controller cuts each into 27-octet
  // PDUs, so one refill carries about 75 PDUs: several connection events.
  leAclBufferLength: 251,
  leAclBufferCount: 8,
  dataLengthExtension: false,
  extendedAdvertising: false,
  // Calibrated on the one published figure: two Pico 2 Ws move "up to about 36500 bytes/second"
  // by write without response (dpgeorge in raspberrypi/pico-sdk issue 2625; MicroPython's
  // tests/multi_bluetooth/perf_gatt_char_write.py, MTU 131, plain gap_connect). MicroPython's BTstack
  // gap_connect asks for a 10-30 ms interval, latency 4 and CE length 10-30 ms
  // (extmod/btstack/modbluetooth_btstack.c mp_bluetooth_gap_peripheral_connect), and the CYW43439
  // central takes 30 ms (interval-rule.ts). 36.5 kB/s at 30 ms on 1M with 27-octet PDUs is 97% of
  // hci/airtime linkCapacity() with the whole event used (37.5 kB/s); a 7.35 ms event would allow
  // 9.4 kB/s. So the chip streams for the whole interval, up to BTstack's 30 ms Maximum_CE_Length.
  maxEventUs: 30_000,
  connectionIntervalRule: PICO_W_INTERVAL_RULE,
  // No 2M: a CYW43439 peer answers a PHY change with Unsupported Remote Feature (0x1A), both
  // ways (micropython/micropython issue 8671, Pico 2 W against an ESP32-C3 central).
  le2mPhy: false,
  // Not modelled as supported: its firmware does not complete the procedure (as central it fails a
  // peer's LL_CONNECTION_PARAM_REQ with LL Response Timeout 0x22 and the link drops,
  // raspberrypi/pico-sdk issue 3051). With the bit clear a peer falls back to L2CAP, which works.
  connectionParametersRequest: false,
};

// Local version information reported by every virtual controller. Core Vol 4 Part E 7.4.1;
// version numbers from Assigned Numbers 2.1 (0x0D = Core 5.4); company 0xFFFF is reserved for tests.
export const HCI_VERSION_5_4 = 0x0d;
export const LMP_VERSION_5_4 = 0x0d;
export const MANUFACTURER_TEST = 0xffff;
export const HCI_REVISION = 0x0001;
export const LMP_SUBVERSION = 0x0001;
