// IRQ event codes and data, as MicroPython's bluetooth module defines them (docs/library/bluetooth.rst,
// extmod/modbluetooth.h MP_BLUETOOTH_IRQ_*).
import type { AttPdu } from './att-codec.ts';
import type { Uuid } from './uuid.ts';

export const IRQ = {
  CENTRAL_CONNECT: 1,
  CENTRAL_DISCONNECT: 2,
  GATTS_WRITE: 3,
  GATTS_READ_REQUEST: 4,
  SCAN_RESULT: 5,
  SCAN_DONE: 6,
  PERIPHERAL_CONNECT: 7,
  PERIPHERAL_DISCONNECT: 8,
  GATTC_SERVICE_RESULT: 9,
  GATTC_SERVICE_DONE: 10,
  GATTC_CHARACTERISTIC_RESULT: 11,
  GATTC_CHARACTERISTIC_DONE: 12,
  GATTC_DESCRIPTOR_RESULT: 13,
  GATTC_DESCRIPTOR_DONE: 14,
  GATTC_READ_RESULT: 15,
  GATTC_READ_DONE: 16,
  GATTC_WRITE_DONE: 17,
  GATTC_NOTIFY: 18,
  GATTC_INDICATE: 19,
  GATTS_INDICATE_DONE: 20,
  MTU_EXCHANGED: 21,
  CONNECTION_UPDATE: 27,
} as const;

/** One element of an IRQ data tuple: an int, bytes (a copy, safe to keep), a UUID, or None. */
export type IrqValue = number | Uint8Array | Uuid | null;

export type IrqSink = (code: number, data: IrqValue[]) => void;

/** One connection's ATT bearer (the fixed channel 0x0004), shared by its GATT server and client. */
export interface AttBearer {
  readonly handle: number;
  /** ATT_MTU in effect; BTstack keeps one per connection for server and client. */
  mtu: number;
  mtuExchanged: boolean;
  /** Our largest ATT_MTU when the connection opened: BTstack's att_connection.max_mtu = l2cap_max_le_mtu(). */
  readonly maxMtu: number;
  send(pdu: AttPdu): void;
}
