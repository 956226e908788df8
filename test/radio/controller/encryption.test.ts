// LE encryption in the virtual controller, on a manual clock: HCI_LE_Encrypt and HCI_LE_Rand,
// the Encryption Start and Pause procedures (Core 5.4 Vol 6 Part B 5.1.3.1-5.1.3.2) as the two
// hosts see them (Vol 4 Part E 7.8.24-7.8.26, 7.7.8, 7.7.39, 7.7.65.5), the MIC failure when the
// keys differ, and the P-256 commands of LE Secure Connections (7.8.36-7.8.37).
import { createECDH } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../../src-main/hci/bytes.ts';
import { SetEventMaskPage2 } from '../../../src-main/hci/commands/baseband.ts';
import { LeLongTermKeyRequestNegativeReply } from '../../../src-main/hci/commands/le-connection.ts';
import { LeRand, LeSetEventMask } from '../../../src-main/hci/commands/le-controller.ts';
import { LeEnableEncryption, LeEncrypt, LeGenerateDhKey, LeLongTermKeyRequestReply, LeReadLocalP256PublicKey } from '../../../src-main/hci/commands/le-security.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { EncryptionChange, EncryptionChangeV2, EncryptionKeyRefreshComplete } from '../../../src-main/hci/events.ts';
import { LeGenerateDhKeyComplete, LeLongTermKeyRequest, LeReadLocalP256PublicKeyComplete } from '../../../src-main/hci/le-events.ts';
import { aes128, sessionKey } from '../../../src-main/radio/controller/encryption.ts';
import { Bench, connect, disconnections, eventsOf, type TestNode } from '../harness.ts';

const S = C.HciStatus;
/** Little-endian (wire) octets of a number the spec writes most significant octet first. */
const le = (hexMsbFirst: string): Uint8Array => fromHex(hexMsbFirst).reverse();
const LTK = le('4C68384139F574D836BCF34E9DFB01BF');
const OTHER_LTK = le('00112233445566778899AABBCCDDEEFF');
const RAND = fromHex('0102030405060708');
const EDIV = 0x1234;
/** 30 ms connections (24 x 1.25 ms), supervision timeout 1 s. */
const INTERVAL_MS = 30;

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

describe('HCI_LE_Encrypt and HCI_LE_Rand', () => {
  it('encrypts the sample data of Vol 6 Part C 1.1 and the AES-128 vector of Vol 3 Part H D.1', async () => {
    const a = await bench.node({ name: 'a' });
    const sample = await a.host.command(LeEncrypt, { key: LTK, plaintextData: le('0213243546576879ACBDCEDFE0F10213') });
    expect(sample.encryptedData).toEqual(le('99AD1B5226A37E3E058E3B8E27C2C666'));
    const d1 = await a.host.command(LeEncrypt, { key: le('2b7e151628aed2a6abf7158809cf4f3c'), plaintextData: le('6bc1bee22e409f96e93d7e117393172a') });
    expect(d1.encryptedData).toEqual(le('3ad77bb40d7a3660a89ecaf32466ef97'));
  });

  it('derives the session key of the sample data, Vol 6 Part C 1.2: SKD = SKDs || SKDm', () => {
    const sk = sessionKey(LTK, le('ACBDCEDFE0F10213'), le('0213243546576879'));
    expect(sk).toEqual(le('99AD1B5226A37E3E058E3B8E27C2C666'));
    expect(aes128(LTK, le('0213243546576879ACBDCEDFE0F10213'))).toEqual(sk);
  });

  it('gives eight fresh random octets each time', async () => {
    const a = await bench.node({ name: 'a' });
    const draws = new Set<string>();
    for (let i = 0; i < 8; i++) draws.add(Buffer.from((await a.host.command(LeRand)).randomNumber).toString('hex'));
    expect(draws.size).toBe(8);
  });
});

async function pair(): Promise<{ c: TestNode; p: TestNode; ch: number; ph: number }> {
  const c = await bench.node({ name: 'c' });
  const p = await bench.node({ name: 'p' });
  const { centralHandle, peripheralHandle } = await connect(bench, c, p, 24, 100);
  return { c, p, ch: centralHandle, ph: peripheralHandle };
}

const airOf = (central: string, peripheral: string) => bench.radio.get(central).controller.airConnectionWith(bench.radio.get(peripheral).controller)!;

/** Central starts encryption; the peripheral's host receives the key request. */
async function requestKey(c: TestNode, p: TestNode, ch: number, ltk = LTK) {
  const r = await c.host.execute(LeEnableEncryption, { connectionHandle: ch, randomNumber: RAND, encryptedDiversifier: EDIV, longTermKey: ltk });
  expect(r.status).toBe(S.SUCCESS);
  const before = eventsOf(p, LeLongTermKeyRequest).length;
  for (let t = 0; t < 10 * INTERVAL_MS && eventsOf(p, LeLongTermKeyRequest).length === before; t += 5) await bench.advance(5, 5);
  return eventsOf(p, LeLongTermKeyRequest).at(-1)!;
}

describe('Encryption Start (Vol 6 Part B 5.1.3.1)', () => {
  it('asks the peripheral host with Rand and EDIV; the same key on both sides turns encryption on for both hosts and the air', async () => {
    const { c, p, ch, ph } = await pair();
    expect(airOf('c', 'p').encrypted).toBe(false);
    const req = await requestKey(c, p, ch);
    expect(req).toEqual({ connectionHandle: ph, randomNumber: RAND, encryptedDiversifier: EDIV });
    expect(eventsOf(c, EncryptionChange)).toEqual([]);
    expect(await p.host.command(LeLongTermKeyRequestReply, { connectionHandle: ph, longTermKey: LTK })).toEqual({ connectionHandle: ph });
    await bench.advance(3 * INTERVAL_MS, 5);
    expect(eventsOf(c, EncryptionChange)).toEqual([{ status: S.SUCCESS, connectionHandle: ch, encryptionEnabled: 1 }]);
    expect(eventsOf(p, EncryptionChange)).toEqual([{ status: S.SUCCESS, connectionHandle: ph, encryptionEnabled: 1 }]);
    // Encrypted PDUs carry a MIC: the air counts its four octets from now on.
    expect(airOf('c', 'p').encrypted).toBe(true);
    await bench.advance(1500, 10);
    expect(disconnections(c)).toEqual([]);
  });

  it('sends Encryption Change [v2] with the key size to a host that unmasked it on page 2 (7.7.8.2, 7.3.69 bit 25)', async () => {
    const { c, p, ch, ph } = await pair();
    const page2 = new Uint8Array(8);
    page2[3] = 1 << 1; // bit 25
    await c.host.command(SetEventMaskPage2, { eventMaskPage2: page2 });
    await requestKey(c, p, ch);
    await p.host.command(LeLongTermKeyRequestReply, { connectionHandle: ph, longTermKey: LTK });
    await bench.advance(3 * INTERVAL_MS, 5);
    expect(eventsOf(c, EncryptionChangeV2)).toEqual([{ status: S.SUCCESS, connectionHandle: ch, encryptionEnabled: 1, encryptionKeySize: 16 }]);
    expect(eventsOf(c, EncryptionChange)).toEqual([]);
    expect(eventsOf(p, EncryptionChange).length).toBe(1);
  });

  it('a negative reply gives the central PIN or Key Missing (0x06) and leaves the link up and unencrypted', async () => {
    const { c, p, ch, ph } = await pair();
    await requestKey(c, p, ch);
    expect(await p.host.command(LeLongTermKeyRequestNegativeReply, { connectionHandle: ph })).toEqual({ connectionHandle: ph });
    await bench.advance(3 * INTERVAL_MS, 5);
    expect(eventsOf(c, EncryptionChange)).toEqual([{ status: S.PIN_OR_KEY_MISSING, connectionHandle: ch, encryptionEnabled: 0 }]);
    expect(eventsOf(p, EncryptionChange)).toEqual([]);
    expect(airOf('c', 'p').encrypted).toBe(false);
    await bench.advance(1500, 10);
    expect(disconnections(c)).toEqual([]);
  });

  it('a peripheral host that masked the key request is answered for, negatively', async () => {
    const { c, p, ch } = await pair();
    await p.host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0xef, 0x01, 0, 0, 0, 0, 0, 0]) }); // bit 4 off
    await c.host.command(LeEnableEncryption, { connectionHandle: ch, randomNumber: RAND, encryptedDiversifier: EDIV, longTermKey: LTK });
    await bench.advance(4 * INTERVAL_MS, 5);
    expect(eventsOf(p, LeLongTermKeyRequest)).toEqual([]);
    expect(eventsOf(c, EncryptionChange)).toEqual([{ status: S.PIN_OR_KEY_MISSING, connectionHandle: ch, encryptionEnabled: 0 }]);
  });

  it('different keys: the peripheral fails the MIC and leaves with 0x3D; the central times out (0x08)', async () => {
    const { c, p, ch, ph } = await pair();
    await requestKey(c, p, ch, LTK);
    await p.host.command(LeLongTermKeyRequestReply, { connectionHandle: ph, longTermKey: OTHER_LTK });
    await bench.advance(3 * INTERVAL_MS, 5);
    expect(disconnections(p)).toEqual([{ status: S.SUCCESS, connectionHandle: ph, reason: S.CONNECTION_TERMINATED_DUE_TO_MIC_FAILURE }]);
    expect(eventsOf(p, EncryptionChange)).toEqual([]);
    expect(eventsOf(c, EncryptionChange)).toEqual([]);
    await bench.advance(1200, 10); // supervision timeout 1 s
    expect(disconnections(c)).toEqual([{ status: S.SUCCESS, connectionHandle: ch, reason: S.CONNECTION_TIMEOUT }]);
  });
});

describe('Encryption Pause and restart (Vol 6 Part B 5.1.3.2)', () => {
  it('starting encryption on an encrypted link asks for the key again and ends in Key Refresh Complete on both sides', async () => {
    const { c, p, ch, ph } = await pair();
    await requestKey(c, p, ch);
    await p.host.command(LeLongTermKeyRequestReply, { connectionHandle: ph, longTermKey: LTK });
    await bench.advance(3 * INTERVAL_MS, 5);
    const req = await requestKey(c, p, ch);
    expect(req.connectionHandle).toBe(ph);
    await p.host.command(LeLongTermKeyRequestReply, { connectionHandle: ph, longTermKey: LTK });
    await bench.advance(3 * INTERVAL_MS, 5);
    expect(eventsOf(c, EncryptionKeyRefreshComplete)).toEqual([{ status: S.SUCCESS, connectionHandle: ch }]);
    expect(eventsOf(p, EncryptionKeyRefreshComplete)).toEqual([{ status: S.SUCCESS, connectionHandle: ph }]);
    expect(eventsOf(c, EncryptionChange).length).toBe(1);
    expect(airOf('c', 'p').encrypted).toBe(true);
  });
});

describe('refusals', () => {
  it('only the central starts encryption, one procedure at a time, on a connection that exists', async () => {
    const { c, p, ch, ph } = await pair();
    const start = (node: TestNode, connectionHandle: number) =>
      node.host.execute(LeEnableEncryption, { connectionHandle, randomNumber: RAND, encryptedDiversifier: EDIV, longTermKey: LTK });
    expect((await start(p, ph)).status).toBe(S.COMMAND_DISALLOWED);
    expect((await start(c, 0x0eff)).status).toBe(S.UNKNOWN_CONNECTION_IDENTIFIER);
    expect((await start(c, ch)).status).toBe(S.SUCCESS);
    expect((await start(c, ch)).status).toBe(S.COMMAND_DISALLOWED);
  });

  it('a key reply with no request pending is Command Disallowed', async () => {
    const { p, ph } = await pair();
    expect((await p.host.execute(LeLongTermKeyRequestReply, { connectionHandle: ph, longTermKey: LTK })).status).toBe(S.COMMAND_DISALLOWED);
    expect((await p.host.execute(LeLongTermKeyRequestNegativeReply, { connectionHandle: ph })).status).toBe(S.COMMAND_DISALLOWED);
    expect((await p.host.execute(LeLongTermKeyRequestReply, { connectionHandle: 0x0eff, longTermKey: LTK })).status).toBe(S.UNKNOWN_CONNECTION_IDENTIFIER);
  });

  it('a peripheral host that never answers: the central gives up after the 40 s procedure timeout (Vol 6 Part B 5.2, 0x22)', async () => {
    const { c, p, ch } = await pair();
    await requestKey(c, p, ch);
    await bench.advance(40_100, 100);
    expect(disconnections(c)).toEqual([{ status: S.SUCCESS, connectionHandle: ch, reason: S.LL_RESPONSE_TIMEOUT }]);
  });
});

describe('LE Secure Connections P-256 (7.8.36, 7.8.37)', () => {
  // Vol 3 Part H 2.3.5.6.1: the debug key pair.
  const DEBUG_PRIVATE = fromHex('3f49f6d4a3c55f3874c9b3e3d2103f504aff607beb40b7995899b8a6cd3c1abd');
  const debug = createECDH('prime256v1');
  debug.setPrivateKey(DEBUG_PRIVATE);
  const debugPublic = debug.getPublicKey(); // 04 || X || Y, most significant first
  const wireKey = (uncompressed: Uint8Array) => new Uint8Array([...uncompressed.subarray(1, 33).reverse(), ...uncompressed.subarray(33, 65).reverse()]);

  it('reads a new public key (X then Y, least significant octet first) and computes the DHKey with a remote key', async () => {
    const a = await bench.node({ name: 'a' });
    expect((await a.host.execute(LeReadLocalP256PublicKey)).status).toBe(S.SUCCESS);
    const [key] = eventsOf(a, LeReadLocalP256PublicKeyComplete);
    expect(key!.status).toBe(S.SUCCESS);
    const local = new Uint8Array([0x04, ...Uint8Array.from(key!.keyXCoordinate).reverse(), ...Uint8Array.from(key!.keyYCoordinate).reverse()]);
    // The debug side computes the same shared X from the controller's public key.
    const expected = Uint8Array.from(debug.computeSecret(local)).reverse();
    expect((await a.host.execute(LeGenerateDhKey, { remoteP256PublicKey: wireKey(Uint8Array.from(debugPublic)) })).status).toBe(S.SUCCESS);
    expect(eventsOf(a, LeGenerateDhKeyComplete)).toEqual([{ status: S.SUCCESS, dhKey: expected }]);
    await a.host.execute(LeReadLocalP256PublicKey);
    expect(eventsOf(a, LeReadLocalP256PublicKeyComplete)[1]!.keyXCoordinate).not.toEqual(key!.keyXCoordinate);
  });

  it('a remote key not on the curve: DHKey Complete with Invalid HCI Command Parameters (0x12) and an all-0xFF key', async () => {
    const a = await bench.node({ name: 'a' });
    await a.host.execute(LeReadLocalP256PublicKey);
    const bad = wireKey(Uint8Array.from(debugPublic));
    bad[40] = bad[40]! ^ 0x01; // Y changed: off the curve
    await a.host.execute(LeGenerateDhKey, { remoteP256PublicKey: bad });
    expect(eventsOf(a, LeGenerateDhKeyComplete)).toEqual([{ status: S.INVALID_HCI_COMMAND_PARAMETERS, dhKey: new Uint8Array(32).fill(0xff) }]);
  });
});
