// BD_ADDR: six octets, least significant first on the wire (Core Vol 2 Part B 1.2).

export type AddressType = 'public' | 'random';

/** Address type as HCI encodes it (Core Vol 4 Part E 7.8.5 Own_Address_Type). */
export const ADDRESS_TYPE_CODE: Record<AddressType, number> = { public: 0x00, random: 0x01 };

export function addressTypeFromCode(code: number): AddressType {
  return (code & 0x01) === 0x01 ? 'random' : 'public';
}

/** "AA:BB:CC:DD:EE:FF" from wire order (little-endian). */
export function formatAddress(wire: Uint8Array): string {
  return Array.from(wire)
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':')
    .toUpperCase();
}

/** Wire order (little-endian) from "AA:BB:CC:DD:EE:FF". */
export function parseAddress(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`not a Bluetooth address: ${JSON.stringify(text)}`);
  }
  return new Uint8Array(parts.reverse().map((p) => parseInt(p, 16)));
}
