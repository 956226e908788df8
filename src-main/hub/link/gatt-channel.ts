// GATT setup on a fresh connection: find the device's profile, check the protocol version,
// subscribe (by writing the CCCD, cccd.ts), and put a session on the characteristics. Everything
// it hooks onto noble's objects is unhooked by close(), so a relink never inherits a stale listener.
import type { Characteristic, Peripheral, Service } from '@stoprocent/noble';
import {
  NUS_RX,
  NUS_SERVICE,
  NUS_TX,
  PICOLINK_PROTOCOL_VERSION,
  PICOLINK_RX,
  PICOLINK_SERVICE,
  PICOLINK_TX,
  PICOLINK_VERSION,
  TUTORIAL_CHAR,
  TUTORIAL_SERVICES,
  sameUuid,
  type Profile,
} from '../discovery/profile.ts';
import type { ProtocolSession } from '../protocol/protocol-session.ts';
import { PicoLinkSession } from '../protocol/session.ts';
import { PlainTextSession } from '../protocol/plain-text-session.ts';
import { outboundOf } from '../adapter/noble-outbound.ts';
import { linkLayerOf, type LinkLayer } from '../adapter/noble-link-layer.ts';
import { enableNotifications } from './cccd.ts';

/** ATT_MTU before any exchange (Core 5.4 Vol 3 Part F 3.2.8). */
const ATT_DEFAULT_MTU = 23;

export interface GattChannel {
  readonly profile: Profile;
  readonly session: ProtocolSession;
  /** Set for PicoLink devices: ping, info and throughput. */
  readonly picolink: PicoLinkSession | null;
  mtu: number;
  /** Basic mode's round trip: a GATT read the device's stack answers. */
  readonly readProbe: (() => Promise<void>) | null;
  /** Something the user should hear about once, though the link works (a characteristic without a CCCD). */
  readonly notice: string | null;
  /** Data length and PHY each way as the adapter's controller reported them; null when it cannot say. */
  linkLayer(): LinkLayer | null;
  close(): void;
}

export class ProtocolVersionError extends Error {}

interface Found {
  profile: Profile;
  rx: Characteristic;
  tx: Characteristic;
  version: Characteristic | null;
}

async function find(p: Peripheral, hint: Profile | null): Promise<Found> {
  if (hint === 'picolink') {
    const r = await p.discoverSomeServicesAndCharacteristicsAsync([PICOLINK_SERVICE], [PICOLINK_RX, PICOLINK_TX, PICOLINK_VERSION]);
    const found = pick(r.services);
    if (found) return found;
  }
  // Unknown or other profiles: look at everything the device serves.
  const r = await p.discoverAllServicesAndCharacteristicsAsync();
  const found = pick(r.services);
  if (!found) throw new Error('the device serves neither PicoLink, the tutorial profile, nor Nordic UART');
  return found;
}

function pick(services: Service[]): Found | null {
  const c = (uuid: string, service?: string): Characteristic | undefined => {
    for (const s of services) {
      if (service !== undefined && !sameUuid(s.uuid, service)) continue;
      const x = (s.characteristics ?? []).find((ch) => sameUuid(ch.uuid, uuid));
      if (x) return x;
    }
    return undefined;
  };
  const rx = c(PICOLINK_RX);
  const tx = c(PICOLINK_TX);
  if (rx && tx) return { profile: 'picolink', rx, tx, version: c(PICOLINK_VERSION) ?? null };
  for (const s of TUTORIAL_SERVICES) {
    const t = c(TUTORIAL_CHAR, s);
    if (t) return { profile: 'tutorial', rx: t, tx: t, version: null };
  }
  const nrx = c(NUS_RX, NUS_SERVICE);
  const ntx = c(NUS_TX, NUS_SERVICE);
  if (nrx && ntx) return { profile: 'nus', rx: nrx, tx: ntx, version: null };
  return null;
}

export async function openGattChannel(p: Peripheral, hint: Profile | null): Promise<GattChannel> {
  const f = await find(p, hint);
  if (f.profile === 'picolink') {
    if (!f.version) throw new ProtocolVersionError('the PicoLink service has no VERSION characteristic');
    const v = await f.version.readAsync();
    if (v.length < 1 || v[0] !== PICOLINK_PROTOCOL_VERSION) {
      throw new ProtocolVersionError(`the device speaks PicoLink protocol version ${v.length ? v[0] : '(empty)'}; this hub speaks version ${PICOLINK_PROTOCOL_VERSION}`);
    }
  }
  let closed = false;
  const mtu = p.mtu ?? ATT_DEFAULT_MTU;
  const write = (value: Uint8Array): void => {
    if (closed) return;
    f.rx.write(Buffer.from(value.buffer, value.byteOffset, value.byteLength), true);
  };
  // Counted on the connection as it is now: a relink on the same handle starts a new count.
  const picolink = f.profile === 'picolink' ? new PicoLinkSession({ mtu, write, outbound: outboundOf(p) }) : null;
  const session: ProtocolSession = picolink ?? new PlainTextSession({ mtu, write });
  const onData = (data: Buffer, isNotification: boolean): void => {
    if (isNotification && !closed) session.receive(data);
  };
  let notice: string | null = null;
  const channel: GattChannel = {
    profile: f.profile,
    session,
    picolink,
    mtu,
    readProbe: f.profile === 'picolink' ? null : async () => void (await f.tx.readAsync()),
    get notice() {
      return notice;
    },
    linkLayer: () => linkLayerOf(p),
    close: () => {
      if (closed) return;
      closed = true;
      f.tx.removeListener('data', onData);
      p.removeListener('mtu', onMtu);
      session.close();
    },
  };
  const onMtu = (n: number): void => {
    channel.mtu = n;
    session.setMtu(n);
  };
  p.on('mtu', onMtu);
  // noble emits 'data' (isNotification true) for every Handle Value Notification or Indication
  // whose handle is this characteristic's value handle, whatever its own idea of subscribed is
  // (gatt.js onAclStreamData): listening is enough once the server sends.
  f.tx.on('data', onData);
  try {
    const sub = await enableNotifications(f.tx);
    if (sub.kind === 'no-cccd') {
      notice = `the ${f.profile} characteristic ${f.tx.uuid} has no Client Characteristic Configuration descriptor: not subscribing, relying on the device to notify unasked`;
    }
  } catch (e) {
    channel.close();
    throw e;
  }
  if (p.mtu && p.mtu !== channel.mtu) onMtu(p.mtu);
  session.start();
  return channel;
}
