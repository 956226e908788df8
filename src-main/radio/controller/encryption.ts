// LE encryption as a controller does it (Core 5.4 Vol 6 Part B 5.1.3, Vol 4 Part E 7.8.22-7.8.26,
// 7.8.36-7.8.37): AES-128 and random numbers for the host, the Encryption Start procedure (LL_ENC_REQ
// with Rand and EDIV, the peripheral's host asked for the LTK, LL_START_ENC_REQ/RSP), the Encryption
// Pause procedure when the central starts encryption again (5.1.3.2, a key refresh), and the P-256
// key pair and Diffie-Hellman key of LE Secure Connections. The session key is derived as the link
// layer derives it (5.1.3.1: SK = e(LTK, SKDs || SKDm)); when the two sides' keys differ, the first
// encrypted PDU (the central's LL_START_ENC_RSP) fails its MIC at the peripheral, which leaves the
// connection at once with reason 0x3D and sends nothing more, so the central's side ends by
// supervision timeout (Vol 6 Part B 5.1.3.1 and 4.5.2).
import { createCipheriv, createECDH, randomBytes, type ECDH } from 'node:crypto';
import type { AirConnection } from '../air/air-connection.ts';
import { LeLongTermKeyRequestNegativeReply } from '../../hci/commands/le-connection.ts';
import { LeEnableEncryption, LeEncrypt, LeGenerateDhKey, LeLongTermKeyRequestReply, LeReadLocalP256PublicKey } from '../../hci/commands/le-security.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { EncryptionChange, EncryptionChangeV2, EncryptionKeyRefreshComplete } from '../../hci/events.ts';
import { NO_FIELDS } from '../../hci/struct.ts';
import { LeGenerateDhKeyComplete, LeLongTermKeyRequest, LeReadLocalP256PublicKeyComplete } from '../../hci/le-events.ts';
import type { Connection } from './connections.ts';
import { sameBytes, type ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';

/** Encryption_Enabled on an LE link (7.7.8): AES-CCM. */
const ENCRYPTION_ON_AES_CCM = 0x01;
const ENCRYPTION_OFF = 0x00;
/** The controller holds the whole 128-bit key; SMP shortens keys by masking them in the host (Vol 3 Part H 2.3.4). */
const ENCRYPTION_KEY_SIZE = 16;
/** LL procedure response timeout, Vol 6 Part B 5.2: 40 s. */
const LL_PROCEDURE_RESPONSE_TIMEOUT_MS = 40_000;
const DHKEY_INVALID = new Uint8Array(32).fill(0xff);

/** Byte order between HCI (least significant octet first, Vol 4 Part E 5.2) and FIPS 197 (most significant first). */
function reversed(b: Uint8Array): Uint8Array {
  return Uint8Array.from(b).reverse();
}

/**
 * The security function e (Vol 3 Part H 2.2.1; Vol 6 Part B 1.3 for the link layer): AES-128 of one
 * block. Key and plaintext as HCI_LE_Encrypt carries them, least significant octet first.
 */
export function aes128(keyLe: Uint8Array, plaintextLe: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-128-ecb', reversed(keyLe), null);
  cipher.setAutoPadding(false);
  const out = Buffer.concat([cipher.update(reversed(plaintextLe)), cipher.final()]);
  return reversed(out);
}

/** Session key, Vol 6 Part B 5.1.3.1: SKD = SKDs || SKDm (SKDm the least significant half), SK = e(LTK, SKD). */
export function sessionKey(ltkLe: Uint8Array, skdmLe: Uint8Array, skdsLe: Uint8Array): Uint8Array {
  const skd = new Uint8Array(16);
  skd.set(skdmLe, 0);
  skd.set(skdsLe, 8);
  return aes128(ltkLe, skd);
}

/** An encryption start the central asked for, from LL_ENC_REQ to the last LL_START_ENC_RSP. */
interface Procedure {
  readonly central: Connection;
  readonly rand: Uint8Array;
  readonly ediv: number;
  readonly centralLtk: Uint8Array;
  /** SKDm and SKDs, 8 octets each, fresh for every start (5.1.3.1). */
  readonly skdm: Uint8Array;
  readonly skds: Uint8Array;
  /** Encryption Pause first: the link was encrypted, so the outcome is a key refresh (7.7.39). */
  readonly refresh: boolean;
  /** The peripheral's host has been asked for the key and not yet answered. */
  awaitingKey: boolean;
}

export class Encryption {
  /** The procedure running on each connection, seen by both ends' controllers through the AirConnection. */
  private static readonly procedures = new WeakMap<AirConnection, Procedure>();
  private ecdh: ECDH | null = null;

  constructor(private readonly core: ControllerCore) {}

  /** HCI_Reset: the P-256 key pair goes; links are forgotten with the connections. */
  reset(): void {
    this.ecdh = null;
  }

  handlers(): CommandHandler[] {
    const S = C.HciStatus;
    const connections = this.core.connections;
    return [
      handle(LeEncrypt, (p) => ok({ encryptedData: aes128(p.key, p.plaintextData) })),
      handle(LeEnableEncryption, (p) => {
        const conn = connections.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        // 7.8.24: only the central starts encryption, and one procedure at a time.
        if (conn.role !== 'central' || Encryption.procedures.has(conn.air)) return refuse(S.COMMAND_DISALLOWED);
        return ok(NO_FIELDS, () => this.start(conn, p.randomNumber, p.encryptedDiversifier, p.longTermKey));
      }),
      handle(LeLongTermKeyRequestReply, (p) => this.keyReply(p.connectionHandle, p.longTermKey)),
      handle(LeLongTermKeyRequestNegativeReply, (p) => this.keyReply(p.connectionHandle, null)),
      handle(LeReadLocalP256PublicKey, () => ok(NO_FIELDS, () => this.readLocalPublicKey())),
      handle(LeGenerateDhKey, (p) => ok(NO_FIELDS, () => this.generateDhKey(p.remoteP256PublicKey))),
    ];
  }

  // ---- Encryption Start and Pause (Vol 6 Part B 5.1.3.1, 5.1.3.2) ----------------------------

  /** Central: LL_ENC_REQ (after LL_PAUSE_ENC_REQ/RSP on an encrypted link) reaches the peer at the next event. */
  private start(conn: Connection, rand: Uint8Array, ediv: number, ltk: Uint8Array): void {
    const air = conn.air;
    const proc: Procedure = {
      central: conn,
      rand,
      ediv,
      centralLtk: ltk,
      skdm: randomBytes(8),
      skds: randomBytes(8),
      refresh: air.encrypted,
      awaitingKey: false,
    };
    Encryption.procedures.set(air, proc);
    this.afterEvents(air, proc.refresh ? 2 : 1, () => conn.peer.encryption.encryptionRequested(conn.air, proc));
    // 5.2: the central gives the procedure 40 s, then leaves the connection (the peer times out).
    this.core.air.clock.at(this.core.air.clock.now() + LL_PROCEDURE_RESPONSE_TIMEOUT_MS, () => {
      if (Encryption.procedures.get(air) !== proc || this.core.connections.forAir(air) !== conn) return;
      Encryption.procedures.delete(air);
      this.core.connections.closed(air, C.HciStatus.LL_RESPONSE_TIMEOUT);
    });
  }

  /** Peripheral: LL_ENC_REQ arrived and LL_ENC_RSP went back; the host is asked for the key (7.7.65.5). */
  encryptionRequested(air: AirConnection, proc: Procedure): void {
    const conn = this.core.connections.forAir(air);
    if (!conn) return;
    proc.awaitingKey = true;
    const request = encodeEvent(LeLongTermKeyRequest, { connectionHandle: conn.handle, randomNumber: proc.rand, encryptedDiversifier: proc.ediv });
    // A host that masked the request cannot answer: the controller answers for it, negatively.
    if (!this.core.setup.allows(request)) return this.answerKey(conn, proc, null);
    this.core.sendEvent(request);
  }

  private keyReply(handle: number, ltk: Uint8Array | null) {
    const conn = this.core.connections.get(handle);
    if (!conn) return refuse(C.HciStatus.UNKNOWN_CONNECTION_IDENTIFIER);
    const proc = Encryption.procedures.get(conn.air);
    if (conn.role !== 'peripheral' || !proc?.awaitingKey) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    return ok({ connectionHandle: handle }, () => this.answerKey(conn, proc, ltk));
  }

  /**
   * Peripheral, its host has answered. A key: LL_START_ENC_REQ goes out unencrypted and, at the
   * same event, the central's encrypted LL_START_ENC_RSP comes back and the peripheral's own
   * follows. No key: LL_REJECT_EXT_IND with PIN or Key Missing (5.1.3.1).
   */
  private answerKey(conn: Connection, proc: Procedure, ltk: Uint8Array | null): void {
    proc.awaitingKey = false;
    const air = conn.air;
    this.afterEvents(air, 1, () => {
      if (Encryption.procedures.get(air) !== proc) return;
      Encryption.procedures.delete(air);
      const central = conn.peer.encryption;
      if (!ltk) {
        // LL_REJECT_EXT_IND; after a pause the link stays unencrypted (5.1.3.2).
        air.encrypted = false;
        return central.outcome(proc.central, proc.refresh, C.HciStatus.PIN_OR_KEY_MISSING);
      }
      if (!sameBytes(sessionKey(proc.centralLtk, proc.skdm, proc.skds), sessionKey(ltk, proc.skdm, proc.skds))) {
        // The MIC of the central's LL_START_ENC_RSP does not check: the peripheral leaves at once.
        this.core.connections.closed(air, C.HciStatus.CONNECTION_TERMINATED_DUE_TO_MIC_FAILURE);
        return;
      }
      // Encrypted data PDUs carry a 4-octet MIC (Vol 6 Part B 2.4): the air counts it in their airtime.
      air.encrypted = true;
      this.outcome(conn, proc.refresh, C.HciStatus.SUCCESS);
      central.outcome(proc.central, proc.refresh, C.HciStatus.SUCCESS);
    });
  }

  /** Tells the host how the procedure ended: Encryption Change (v2 when page 2 unmasks it), or Key Refresh Complete. */
  outcome(conn: Connection, refresh: boolean, status: number): void {
    if (this.core.connections.forAir(conn.air) !== conn) return;
    const connectionHandle = conn.handle;
    if (refresh && status === C.HciStatus.SUCCESS) {
      this.core.sendEvent(encodeEvent(EncryptionKeyRefreshComplete, { status, connectionHandle }));
      return;
    }
    const encryptionEnabled = status === C.HciStatus.SUCCESS ? ENCRYPTION_ON_AES_CCM : ENCRYPTION_OFF;
    const v2 = encodeEvent(EncryptionChangeV2, { status, connectionHandle, encryptionEnabled, encryptionKeySize: ENCRYPTION_KEY_SIZE });
    // 7.7.8: a host that unmasked v2 gets it instead of v1.
    this.core.sendEvent(this.core.setup.allows(v2) ? v2 : encodeEvent(EncryptionChange, { status, connectionHandle, encryptionEnabled }));
  }

  /** Runs `fn` after `n` connection events, if the connection is still there. */
  private afterEvents(air: AirConnection, n: number, fn: () => void): void {
    const clock = this.core.air.clock;
    clock.at(clock.now() + n * air.intervalMs, () => {
      if (!air.isClosed) fn();
    });
  }

  // ---- P-256 (7.8.36, 7.8.37) --------------------------------------------------------------

  /** A new key pair each time (7.8.36); the public key as X then Y, each least significant octet first. */
  private readLocalPublicKey(): void {
    this.ecdh = createECDH('prime256v1');
    const uncompressed = this.ecdh.generateKeys(); // 0x04 || X || Y, big-endian (SEC 1 2.3.3)
    this.core.sendEvent(
      encodeEvent(LeReadLocalP256PublicKeyComplete, {
        status: C.HciStatus.SUCCESS,
        keyXCoordinate: reversed(uncompressed.subarray(1, 33)),
        keyYCoordinate: reversed(uncompressed.subarray(33, 65)),
      }),
    );
  }

  /** DHKey = X of the shared point, least significant octet first; a key not on the curve is refused with 0x12 (7.8.37). */
  private generateDhKey(remote: Uint8Array): void {
    this.ecdh ??= (() => {
      const e = createECDH('prime256v1');
      e.generateKeys();
      return e;
    })();
    const point = new Uint8Array(65);
    point[0] = 0x04;
    point.set(reversed(remote.subarray(0, 32)), 1);
    point.set(reversed(remote.subarray(32, 64)), 33);
    let dhKey: Uint8Array;
    try {
      dhKey = reversed(this.ecdh.computeSecret(point));
    } catch {
      this.core.sendEvent(encodeEvent(LeGenerateDhKeyComplete, { status: C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS, dhKey: DHKEY_INVALID }));
      return;
    }
    this.core.sendEvent(encodeEvent(LeGenerateDhKeyComplete, { status: C.HciStatus.SUCCESS, dhKey }));
  }
}
