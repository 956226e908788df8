// Bluetooth device addresses as the hub keeps them: lower case and colon separated, as noble
// reports them on Linux and Windows. People type them in capitals, with dashes (Windows) or with
// no separators; every part of the hub accepts those spellings through this one parser.

/** The stored form. */
export const ADDRESS_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Six octets in hex, separated throughout by ':' or '-', or not at all. */
const SPELLING = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/;

/** "AA-BB-CC-DD-EE-FF", "aabbccddeeff", ... → "aa:bb:cc:dd:ee:ff"; null if not an address. */
export function normaliseAddress(text: string): string | null {
  const s = text.trim().toLowerCase();
  if (!SPELLING.test(s)) return null;
  return s.replace(/[:-]/g, '').match(/../g)!.join(':');
}

export class InvalidAddressError extends Error {
  constructor(readonly address: string) {
    super(`"${address}" is not a Bluetooth address like aa:bb:cc:dd:ee:ff`);
    this.name = 'InvalidAddressError';
  }
}

/** normaliseAddress, throwing InvalidAddressError for anything else. */
export function requireAddress(text: string): string {
  const a = normaliseAddress(text);
  if (a === null) throw new InvalidAddressError(text);
  return a;
}
