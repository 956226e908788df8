// Subscribing to a characteristic without reading its configuration first: find the Client
// Characteristic Configuration descriptor by descriptor discovery and write the whole value.
// noble's own subscribe (lib/hci-socket/gatt.js notify) reads the CCCD with Read By Type and takes
// two octets at a fixed offset of the response. BTstack, as MicroPython 1.27 binds it on a Pico W,
// answers that read with a value of zero octets (`09 02 <handle>`): noble's parser throws inside
// the response callback, its ATT queue never advances, and the link never comes up. Nothing here
// depends on what a server answers to a read of the CCCD, because there is no read.
import type { Characteristic } from '@stoprocent/noble';
import { sameUuid } from '../discovery/profile.ts';

/** Client Characteristic Configuration declaration type (Core 5.4 Vol 3 Part G 3.3.3.3; Assigned Numbers, Descriptors). */
export const GATT_CLIENT_CHARACTERISTIC_CONFIGURATION = '2902';

/** Client Characteristic Configuration bit values (Core 5.4 Vol 3 Part G 3.3.3.3, Table 3.11). */
export const CCCD_NOTIFICATION = 0x0001;
export const CCCD_INDICATION = 0x0002;

/**
 * How long the CCCD's Write Response may take. noble resolves a descriptor write only on a Write
 * Response: an ATT Error Response reaches its queue (which moves on) but never the caller
 * (gatt.js writeValue emits valueWrite for ATT_OP_WRITE_RESP alone), so a refusal is seen as
 * silence. A response is due within a connection event or two; the ATT transaction timeout
 * (30 s, Core 5.4 Vol 3 Part F 3.3.3) is far longer than the whole GATT setup may take.
 */
export const CCCD_WRITE_TIMEOUT_MS = 2_000;

export type Subscription =
  | { kind: 'written'; value: number }
  /** The characteristic has no CCCD: nothing to write. BTstack's gatts_notify sends regardless of any CCCD. */
  | { kind: 'no-cccd' };

export class CccdWriteTimeoutError extends Error {
  override readonly name = 'CccdWriteTimeoutError';
}

/** The CCCD value that enables what the characteristic offers: notifications, or indications if it only indicates. */
export function cccdValueFor(properties: readonly string[]): number {
  return properties.includes('indicate') && !properties.includes('notify') ? CCCD_INDICATION : CCCD_NOTIFICATION;
}

/**
 * Enables notifications (or indications) of `c` on this connection. Discover All Characteristic
 * Descriptors (Core 5.4 Vol 3 Part G 4.7.1: Find Information over the characteristic's handle range)
 * finds the CCCD; Write Characteristic Descriptors (4.12.3: a Write Request) sets it. The CCCD is
 * per client (3.3.3.3) and this hub is the connection's only client, so the whole value is
 * written, never read and modified.
 */
export async function enableNotifications(c: Characteristic, timeoutMs = CCCD_WRITE_TIMEOUT_MS): Promise<Subscription> {
  const descriptors = await c.discoverDescriptorsAsync();
  const cccd = descriptors.find((d) => sameUuid(d.uuid, GATT_CLIENT_CHARACTERISTIC_CONFIGURATION));
  if (!cccd) return { kind: 'no-cccd' };
  const value = cccdValueFor(c.properties);
  const octets = Buffer.alloc(2);
  octets.writeUInt16LE(value, 0);
  // noble's Descriptor carries no handle, so peripheral.writeHandleAsync cannot name it; its
  // writeValue sends the same Write Request to the handle Find Information reported.
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CccdWriteTimeoutError(`no Write Response to the CCCD write of ${c.uuid} in ${timeoutMs} ms (refused with an ATT error, or lost)`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([cccd.writeValueAsync(octets), silence]);
  } finally {
    clearTimeout(timer);
  }
  return { kind: 'written', value };
}
