// Which profile a device speaks, from the service UUIDs it advertises (docs/PROTOCOL.md 1 and 7).
// noble reports UUIDs lower-case without dashes; 16-bit ones as 4 hex digits.

export type Profile = 'picolink' | 'tutorial' | 'nus';

export const PICOLINK_SERVICE = '5049434f4c494e4b0001000000000001';
export const PICOLINK_RX = '5049434f4c494e4b0001000000000002';
export const PICOLINK_TX = '5049434f4c494e4b0001000000000003';
export const PICOLINK_VERSION = '5049434f4c494e4b0001000000000004';
/** The only protocol version this hub speaks (docs/PROTOCOL.md, Versions). */
export const PICOLINK_PROTOCOL_VERSION = 1;

// The tutorial's aioble profile: Physical Activity Monitor 0x1848 (or Environmental Sensing
// 0x181A), one characteristic 0x2A6E (Temperature) carrying text.
export const TUTORIAL_SERVICES = ['1848', '181a'] as const;
export const TUTORIAL_CHAR = '2a6e';

// Nordic UART Service: RX is written by the central, TX notifies.
export const NUS_SERVICE = '6e400001b5a3f393e0a9e50e24dcca9e';
export const NUS_RX = '6e400002b5a3f393e0a9e50e24dcca9e';
export const NUS_TX = '6e400003b5a3f393e0a9e50e24dcca9e';

/** Expands a 16-bit UUID to the base UUID form, so either spelling matches. */
function normalise(uuid: string): string {
  const u = uuid.toLowerCase().replace(/-/g, '');
  return u.length === 4 ? u : /^0000([0-9a-f]{4})00001000800000805f9b34fb$/.exec(u)?.[1] ?? u;
}

export function profileOf(serviceUuids: readonly string[]): Profile | null {
  const s = new Set(serviceUuids.map(normalise));
  if (s.has(PICOLINK_SERVICE)) return 'picolink';
  if (TUTORIAL_SERVICES.some((u) => s.has(u))) return 'tutorial';
  if (s.has(NUS_SERVICE)) return 'nus';
  return null;
}

export function sameUuid(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}
