// The bit maps a controller reports about itself.
import type { ControllerOptions } from './options.ts';

/** (octet, bit) of each command in Supported_Commands. Core Vol 4 Part E 6.27. */
const BASE_COMMANDS: ReadonlyArray<[number, number]> = [
  [0, 5], // Disconnect
  [2, 7], // Read Remote Version Information
  [5, 6], // Set Event Mask
  [5, 7], // Reset
  [14, 3], // Read Local Version Information
  [14, 5], // Read Local Supported Features
  [14, 7], // Read Buffer Size
  [15, 1], // Read BD_ADDR
  [15, 5], // Read RSSI
  [22, 2], // Set Event Mask Page 2
  [24, 5], // Read LE Host Support
  [24, 6], // Write LE Host Support
  [25, 0], // LE Set Event Mask
  [25, 1], // LE Read Buffer Size
  [25, 2], // LE Read Local Supported Features
  [25, 4], // LE Set Random Address
  [25, 5], // LE Set Advertising Parameters
  [25, 6], // LE Read Advertising Physical Channel Tx Power
  [25, 7], // LE Set Advertising Data
  [26, 0], // LE Set Scan Response Data
  [26, 1], // LE Set Advertising Enable
  [26, 2], // LE Set Scan Parameters
  [26, 3], // LE Set Scan Enable
  [26, 4], // LE Create Connection
  [26, 5], // LE Create Connection Cancel
  [26, 6], // LE Read Filter Accept List Size
  [26, 7], // LE Clear Filter Accept List
  [27, 0], // LE Add Device To Filter Accept List
  [27, 1], // LE Remove Device From Filter Accept List
  [27, 2], // LE Connection Update
  [27, 5], // LE Read Remote Features
  [27, 6], // LE Encrypt
  [27, 7], // LE Rand
  [28, 0], // LE Enable Encryption
  [28, 1], // LE Long Term Key Request Reply
  [28, 2], // LE Long Term Key Request Negative Reply
  [28, 3], // LE Read Supported States
  [34, 1], // LE Read Local P-256 Public Key
  [34, 2], // LE Generate DHKey [v1]
  [35, 4], // LE Read PHY
  [35, 5], // LE Set Default PHY
  [35, 6], // LE Set PHY
];
const CONNECTION_PARAMETERS_REQUEST_COMMANDS: ReadonlyArray<[number, number]> = [
  [33, 4], // LE Remote Connection Parameter Request Reply
  [33, 5], // LE Remote Connection Parameter Request Negative Reply
];
const DLE_COMMANDS: ReadonlyArray<[number, number]> = [
  [33, 6], // LE Set Data Length
  [33, 7], // LE Read Suggested Default Data Length
  [34, 0], // LE Write Suggested Default Data Length
  [35, 3], // LE Read Maximum Data Length
];
const EXTENDED_COMMANDS: ReadonlyArray<[number, number]> = [
  [36, 1], // LE Set Advertising Set Random Address
  [36, 2], // LE Set Extended Advertising Parameters [v1]
  [36, 3], // LE Set Extended Advertising Data
  [36, 4], // LE Set Extended Scan Response Data
  [36, 5], // LE Set Extended Advertising Enable
  [36, 6], // LE Read Maximum Advertising Data Length
  [36, 7], // LE Read Number of Supported Advertising Sets
  [37, 0], // LE Remove Advertising Set
  [37, 1], // LE Clear Advertising Sets
  [37, 5], // LE Set Extended Scan Parameters
  [37, 6], // LE Set Extended Scan Enable
  [37, 7], // LE Extended Create Connection
];

export function supportedCommands(o: ControllerOptions): Uint8Array {
  const map = new Uint8Array(64);
  const set = (list: ReadonlyArray<[number, number]>): void => {
    for (const [octet, bit] of list) map[octet]! |= 1 << bit;
  };
  set(BASE_COMMANDS);
  if (o.dataLengthExtension) set(DLE_COMMANDS);
  if (o.connectionParametersRequest) set(CONNECTION_PARAMETERS_REQUEST_COMMANDS);
  if (o.extendedAdvertising) set(EXTENDED_COMMANDS);
  return map;
}

// LE feature bits. Core Vol 6 Part B 4.6.
const LE_ENCRYPTION = 0;
const CONNECTION_PARAMETERS_REQUEST_PROCEDURE = 1;
const EXTENDED_REJECT_INDICATION = 2;
const PERIPHERAL_INITIATED_FEATURES_EXCHANGE = 3;
const LE_DATA_PACKET_LENGTH_EXTENSION = 5;
const LE_2M_PHY = 8;
const LE_EXTENDED_ADVERTISING = 12;

export function leFeatures(o: ControllerOptions): Uint8Array {
  const bits = [LE_ENCRYPTION, EXTENDED_REJECT_INDICATION, PERIPHERAL_INITIATED_FEATURES_EXCHANGE];
  if (o.dataLengthExtension) bits.push(LE_DATA_PACKET_LENGTH_EXTENSION);
  if (o.connectionParametersRequest) bits.push(CONNECTION_PARAMETERS_REQUEST_PROCEDURE);
  if (o.le2mPhy) bits.push(LE_2M_PHY);
  if (o.extendedAdvertising) bits.push(LE_EXTENDED_ADVERTISING);
  const out = new Uint8Array(8);
  for (const b of bits) out[b >> 3]! |= 1 << (b & 7);
  return out;
}

/** LMP features page 0 (Core Vol 2 Part C 3.3): octet 4 bit 6 "LE Supported (Controller)", BR/EDR not supported (bit 5). */
export function lmpFeatures(): Uint8Array {
  const out = new Uint8Array(8);
  out[4] = (1 << 6) | (1 << 5);
  return out;
}
