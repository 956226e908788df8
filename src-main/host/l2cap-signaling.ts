// What arrives on the LE signaling channel (CID 0x0005) and the Security Manager channel
// (CID 0x0006), answered as BTstack's l2cap.c answers it with the options MicroPython's build
// uses: a central accepts a Connection Parameter Update Request within the default range and
// applies it with HCI_LE_Connection_Update; LE credit-based channels have no PSM; anything else
// gets Command Reject. Pairing is out of scope here: every pairing attempt gets Pairing Failed,
// Pairing Not Supported. Core 5.4 Vol 3 Part A 4, Vol 3 Part H 3.5.5.
import { DecodeError } from '../hci/bytes.ts';
import {
  decodeConnectionParameterUpdateRequest,
  decodeSignaling,
  encodeCommandReject,
  encodeConnectionParameterUpdateResponse,
  encodeLeCreditBasedConnectionResponse,
  encodePairingFailed,
  encodeSignaling,
  L2CAP_COMMAND_REJECT,
  L2CAP_CONNECTION_PARAMETER_UPDATE_REQUEST,
  L2CAP_CONNECTION_PARAMETER_UPDATE_RESPONSE,
  L2CAP_CID_LE_SIGNALING,
  L2CAP_CID_SMP,
  L2CAP_DISCONNECTION_REQUEST,
  L2CAP_LE_CREDIT_BASED_CONNECTION_REQUEST,
  L2CAP_LE_CREDIT_BASED_CONNECTION_RESPONSE,
  LE_CREDIT_RESULT_PSM_NOT_SUPPORTED,
  REJECT_COMMAND_NOT_UNDERSTOOD,
  REJECT_INVALID_CID,
  SMP_PAIRING_FAILED,
  SMP_PAIRING_REQUEST,
  SMP_REASON_COMMAND_NOT_SUPPORTED,
  SMP_REASON_PAIRING_NOT_SUPPORTED,
  SMP_SECURITY_REQUEST,
  type ConnectionParameterUpdate,
} from './l2cap-codec.ts';

/**
 * BTstack's default le_connection_parameter_range (hci.c): interval 6-3200 (x 1.25 ms),
 * latency 0-500, supervision timeout 10-3200 (x 10 ms).
 */
const ACCEPTED = { intervalMin: 6, intervalMax: 3200, latencyMax: 500, timeoutMin: 10, timeoutMax: 3200 };

/** One connection as L2CAP's fixed channels see it: its handle, our role, and a send on a channel (CID). */
export interface L2capConnection {
  readonly handle: number;
  readonly role: 'central' | 'peripheral';
  send(cid: number, payload: Uint8Array): void;
}

export interface SignalingHooks {
  /** Applies accepted parameters: HCI_LE_Connection_Update. */
  updateConnection(handle: number, p: ConnectionParameterUpdate): void;
  log(message: string): void;
}

function reply(conn: L2capConnection, code: number, identifier: number, data: Uint8Array): void {
  conn.send(L2CAP_CID_LE_SIGNALING, encodeSignaling({ code, identifier, data }));
}

export function onLeSignaling(conn: L2capConnection, payload: Uint8Array, hooks: SignalingHooks): void {
  let cmd;
  try {
    cmd = decodeSignaling(payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    hooks.log(`LE signaling: ${e.message}`);
    if (payload.length >= 2) reply(conn, L2CAP_COMMAND_REJECT, payload[1]!, encodeCommandReject(REJECT_COMMAND_NOT_UNDERSTOOD));
    return;
  }
  const reject = (reason = REJECT_COMMAND_NOT_UNDERSTOOD, data?: Uint8Array): void =>
    reply(conn, L2CAP_COMMAND_REJECT, cmd.identifier, encodeCommandReject(reason, data));
  switch (cmd.code) {
    case L2CAP_CONNECTION_PARAMETER_UPDATE_REQUEST: { // Vol 3 Part A 4.20: only a peripheral asks
      if (conn.role !== 'central') return reject();
      let p: ConnectionParameterUpdate;
      try {
        p = decodeConnectionParameterUpdateRequest(cmd.data);
      } catch {
        return reject();
      }
      const ok =
        p.intervalMin >= ACCEPTED.intervalMin &&
        p.intervalMax <= ACCEPTED.intervalMax &&
        p.latency <= ACCEPTED.latencyMax &&
        p.timeout >= ACCEPTED.timeoutMin &&
        p.timeout <= ACCEPTED.timeoutMax;
      reply(conn, L2CAP_CONNECTION_PARAMETER_UPDATE_RESPONSE, cmd.identifier, encodeConnectionParameterUpdateResponse(ok ? 0 : 1));
      if (ok) hooks.updateConnection(conn.handle, p);
      return;
    }
    case L2CAP_LE_CREDIT_BASED_CONNECTION_REQUEST: // Vol 3 Part A 4.22: no LE_PSM is registered
      return reply(conn, L2CAP_LE_CREDIT_BASED_CONNECTION_RESPONSE, cmd.identifier, encodeLeCreditBasedConnectionResponse(LE_CREDIT_RESULT_PSM_NOT_SUPPORTED));
    case L2CAP_DISCONNECTION_REQUEST: // Vol 3 Part A 4.6: no such channel
      return reject(REJECT_INVALID_CID, cmd.data.subarray(0, 4));
    case L2CAP_COMMAND_REJECT:
    case L2CAP_CONNECTION_PARAMETER_UPDATE_RESPONSE:
      return; // answers to requests we never send
    default:
      return reject();
  }
}

export function onSmp(conn: L2capConnection, payload: Uint8Array, hooks: SignalingHooks): void {
  const code = payload[0];
  if (code === undefined || code === SMP_PAIRING_FAILED) return;
  const reason = code === SMP_PAIRING_REQUEST || code === SMP_SECURITY_REQUEST ? SMP_REASON_PAIRING_NOT_SUPPORTED : SMP_REASON_COMMAND_NOT_SUPPORTED;
  hooks.log(`SMP code 0x${code.toString(16)} on handle 0x${conn.handle.toString(16)}: Pairing Failed (0x${reason.toString(16)})`);
  conn.send(L2CAP_CID_SMP, encodePairingFailed(reason));
}
