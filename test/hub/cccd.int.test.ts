// The hub subscribes the way the GATT profile says (find the CCCD, write it), so a server that
// answers a Read By Type of the CCCD as MicroPython's BTstack does (a value of zero octets) still
// links. Real noble over a pty, as to a UART dongle, and the real hub; the peripheral is a scripted
// ATT server whose every octet the test checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Adapter } from '../../src-main/hub/adapter/adapter.ts';
import { createNoble } from '../../src-main/hub/adapter/noble-factory.ts';
import { Hub } from '../../src-main/hub/hub.ts';
import { PairedDevices } from '../../src-main/hub/store/paired-devices.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { inbound } from './sim-hub.ts';
import { ATT_ATTRIBUTE_NOT_FOUND, ATT_READ_NOT_PERMITTED, ScriptedGattPeer, type CccdByType, type PeerProfile } from './scripted-gatt-peer.ts';

let dir: string;
let radio: Radio;
let hub: Hub;
const warnings: string[] = [];
const peers: ScriptedGattPeer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-cccd-'));
  radio = new Radio();
  radio.addNode({ name: 'hub0' });
  radio.attachPty('hub0', path.join(dir, 'hub0'));
  const adapter = new Adapter('uart:hub0', createNoble({ kind: 'uart', port: path.join(dir, 'hub0') }), { transport: { kind: 'uart', port: path.join(dir, 'hub0'), baudRate: null } });
  const { store: paired } = PairedDevices.load(path.join(dir, 'paired.json'));
  hub = new Hub({ adapters: [adapter], paired, pingHz: 20 });
  hub.on('warning', (w) => warnings.push(w));
  hub.start();
  await vi.waitFor(() => expect(adapter.state).toBe('poweredOn'), { timeout: 10_000, interval: 20 }); // expect.poll is for tests, not hooks
}, 20_000);

afterEach(async () => {
  for (const p of peers.splice(0)) {
    await hub.unpair(p.address);
    p.close();
  }
});

afterAll(async () => {
  await hub?.stop();
  radio?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const le16 = (v: number): string => Buffer.from([v & 0xff, v >> 8]).toString('hex');
const state = (address: string): string | undefined => hub.status().find((d) => d.address === address)?.state;

const BY_TYPE: [string, CccdByType][] = [
  ['0 octets (BTstack)', { octets: 0 }],
  ['1 octet', { octets: 1 }],
  ['2 octets', { octets: 2 }],
  ['3 octets', { octets: 3 }],
  ['Read Not Permitted', { error: ATT_READ_NOT_PERMITTED }],
  ['Attribute Not Found', { error: ATT_ATTRIBUTE_NOT_FOUND }],
];
const PROFILES: PeerProfile[] = ['picolink', 'tutorial', 'nus'];
let serial = 0;

async function linkTo(profile: PeerProfile, cccd: boolean, cccdByType: CccdByType): Promise<ScriptedGattPeer> {
  const peer = await ScriptedGattPeer.start(radio, `cc${serial++}`, { profile, cccd, cccdByType });
  peers.push(peer);
  await hub.pair(peer.address);
  await expect.poll(() => state(peer.address), { message: `${profile} linked`, timeout: 10_000, interval: 20 }).toBe('linked');
  return peer;
}

/** The value reaches the session: a PicoLink PONG (sent for each PING) makes samples; text is a received message. */
async function notificationReachesSession(peer: ScriptedGattPeer, profile: PeerProfile): Promise<void> {
  if (profile === 'picolink') {
    await expect.poll(() => hub.status().find((d) => d.address === peer.address)?.total.count ?? 0, { message: 'PONG notifications', timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(3);
    expect(peer.wire.some((w) => w.dir === 'out' && w.hex.startsWith(`1b${le16(peer.layout.tx)}`))).toBe(true);
    return;
  }
  peer.send(new TextEncoder().encode(`hi from ${peer.name}`));
  await expect.poll(() => inbound(hub, peer.address), { timeout: 5_000, interval: 20 }).toContainEqual({ text: `hi from ${peer.name}` });
}

/** The first PDU the peer sent after receiving `request`. */
function answerTo(peer: ScriptedGattPeer, request: string): string | undefined {
  const at = peer.wire.findIndex((w) => w.dir === 'in' && w.hex === request);
  return at < 0 ? undefined : peer.wire.slice(at + 1).find((w) => w.dir === 'out')?.hex;
}

/** Neither a Read By Type for 0x2902 (noble's subscribe) nor a Read (Blob) of the CCCD ever goes on the air. */
function neverReadsTheCccd(peer: ScriptedGattPeer): void {
  expect(peer.received.filter((h) => /^08[0-9a-f]{8}0229$/.test(h))).toEqual([]);
  if (peer.layout.cccd !== null) expect(peer.received.filter((h) => h.startsWith(`0a${le16(peer.layout.cccd!)}`) || h.startsWith(`0c${le16(peer.layout.cccd!)}`))).toEqual([]);
}

describe('subscribing by writing the CCCD, against any answer to a CCCD read', () => {
  for (const profile of PROFILES) {
    it.each(BY_TYPE)(`${profile}: CCCD Read By Type answered with %s`, async (_, byType) => {
      const peer = await linkTo(profile, true, byType);
      const { tx, cccd } = peer.layout;
      // Discover All Characteristic Descriptors over the characteristic's range past its value
      // (Vol 3 Part G 4.7.1): Find Information, answered with the one 16-bit pair (CCCD, 0x2902).
      expect(answerTo(peer, `04${le16(tx + 1)}${le16(cccd!)}`)).toBe(`0501${le16(cccd!)}0229`);
      // Then one Write Request of 0x0001 to it (4.12.3, 3.3.3.3) and its Write Response.
      expect(peer.received.filter((h) => h.startsWith('12'))).toEqual([`12${le16(cccd!)}0100`]);
      expect(answerTo(peer, `12${le16(cccd!)}0100`)).toBe('13');
      neverReadsTheCccd(peer);
      await notificationReachesSession(peer, profile);
    });
  }

  it.each(PROFILES)('%s without a CCCD: no write, one warning however often it links, and notifications still arrive', async (profile) => {
    const before = warnings.length;
    const peer = await linkTo(profile, false, { octets: 0 });
    // Find Information past the value handle finds no 0x2902: where the value handle ends the
    // characteristic (and the service), noble asks for an empty range and is told Invalid Handle.
    const find = peer.received.find((h) => h.startsWith(`04${le16(peer.layout.tx + 1)}`));
    expect(find).toBeDefined();
    expect(answerTo(peer, find!)).not.toMatch(/0229/);
    expect(peer.received.filter((h) => h.startsWith('12'))).toEqual([]);
    neverReadsTheCccd(peer);
    await notificationReachesSession(peer, profile);
    await hub.disconnect(peer.address);
    hub.connect(peer.address);
    await expect.poll(() => ({ state: state(peer.address), connections: peer.connections }), { timeout: 10_000, interval: 20 }).toEqual({ state: 'linked', connections: 2 });
    const said = warnings.slice(before);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^cc\\d+: the ${profile} characteristic [0-9a-f]+ has no Client Characteristic Configuration descriptor`));
  });

  it('writes 0x0002 to the CCCD of a characteristic that only indicates, and confirms the indication', async () => {
    const peer = await linkTo('nus-indicate', true, { octets: 0 });
    expect(peer.received.filter((h) => h.startsWith('12'))).toEqual([`12${le16(peer.layout.cccd!)}0200`]);
    peer.send(new TextEncoder().encode('indicated'));
    await expect.poll(() => inbound(hub, peer.address), { timeout: 5_000, interval: 20 }).toContainEqual({ text: 'indicated' });
    await expect.poll(() => peer.received, { message: 'Handle Value Confirmation', timeout: 2_000, interval: 20 }).toContain('1e');
    expect(peer.wire.find((w) => w.dir === 'out' && w.hex.startsWith('1d'))?.hex).toBe(`1d${le16(peer.layout.tx)}${Buffer.from('indicated').toString('hex')}`);
  });
});
