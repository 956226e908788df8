// LE connection commands, Core 5.4 Vol 4 Part E 7.8.12-7.8.26, 7.8.31-7.8.32 and 7.8.66.
import * as C from '../constants.ts';
import { command, statusCommand } from '../command.ts';
import { address, handle, u16, u8 } from '../fields.ts';
import { NO_FIELDS, perPhy } from '../struct.ts';

/** Connection parameters shared by the create and update commands; intervals in 1.25 ms, timeout in 10 ms units. */
const CONNECTION_PARAMETERS = {
  connectionIntervalMin: u16,
  connectionIntervalMax: u16,
  maxLatency: u16,
  supervisionTimeout: u16,
  minCeLength: u16,
  maxCeLength: u16,
};

/** 7.8.12. The outcome is HCI_LE_(Enhanced_)Connection_Complete. */
export const LeCreateConnection = statusCommand({
  name: 'HCI_LE_Create_Connection',
  section: '7.8.12',
  opcode: C.HCI_LE_CREATE_CONNECTION,
  params: {
    leScanInterval: u16,
    leScanWindow: u16,
    initiatorFilterPolicy: u8,
    peerAddressType: u8,
    peerAddress: address,
    ownAddressType: u8,
    ...CONNECTION_PARAMETERS,
  },
});

/** 7.8.13. The cancelled attempt ends in a connection complete event with Unknown Connection Identifier. */
export const LeCreateConnectionCancel = command({
  name: 'HCI_LE_Create_Connection_Cancel',
  section: '7.8.13',
  opcode: C.HCI_LE_CREATE_CONNECTION_CANCEL,
  params: NO_FIELDS,
  returns: NO_FIELDS,
});

/** 7.8.18. The outcome is HCI_LE_Connection_Update_Complete. */
export const LeConnectionUpdate = statusCommand({
  name: 'HCI_LE_Connection_Update',
  section: '7.8.18',
  opcode: C.HCI_LE_CONNECTION_UPDATE,
  params: { connectionHandle: handle, ...CONNECTION_PARAMETERS },
});

/** 7.8.21. The outcome is HCI_LE_Read_Remote_Features_Complete. */
export const LeReadRemoteFeatures = statusCommand({
  name: 'HCI_LE_Read_Remote_Features',
  section: '7.8.21',
  opcode: C.HCI_LE_READ_REMOTE_FEATURES,
  params: { connectionHandle: handle },
});

/** 7.8.26 */
export const LeLongTermKeyRequestNegativeReply = command({
  name: 'HCI_LE_Long_Term_Key_Request_Negative_Reply',
  section: '7.8.26',
  opcode: C.HCI_LE_LONG_TERM_KEY_REQUEST_NEGATIVE_REPLY,
  params: { connectionHandle: handle },
  returns: { connectionHandle: handle },
});

/** 7.8.31. The Host accepts the peer's Connection Parameters Request (7.7.65.6) with these parameters. */
export const LeRemoteConnectionParameterRequestReply = command({
  name: 'HCI_LE_Remote_Connection_Parameter_Request_Reply',
  section: '7.8.31',
  opcode: C.HCI_LE_REMOTE_CONNECTION_PARAMETER_REQUEST_REPLY,
  params: { connectionHandle: handle, ...CONNECTION_PARAMETERS },
  returns: { connectionHandle: handle },
});

/** 7.8.32. The Host rejects the peer's Connection Parameters Request; Reason goes to the peer in LL_REJECT_EXT_IND. */
export const LeRemoteConnectionParameterRequestNegativeReply = command({
  name: 'HCI_LE_Remote_Connection_Parameter_Request_Negative_Reply',
  section: '7.8.32',
  opcode: C.HCI_LE_REMOTE_CONNECTION_PARAMETER_REQUEST_NEGATIVE_REPLY,
  params: { connectionHandle: handle, reason: u8 },
  returns: { connectionHandle: handle },
});

/** 7.8.66. One entry per PHY in Initiating_PHYs: LE 1M, LE 2M, LE Coded. */
export const LeExtendedCreateConnection = statusCommand({
  name: 'HCI_LE_Extended_Create_Connection',
  section: '7.8.66',
  opcode: C.HCI_LE_EXTENDED_CREATE_CONNECTION,
  params: {
    initiatorFilterPolicy: u8,
    ownAddressType: u8,
    peerAddressType: u8,
    peerAddress: address,
    initiatingPhys: perPhy([C.PHYS_LE_1M, C.PHYS_LE_2M, C.PHYS_LE_CODED], { scanInterval: u16, scanWindow: u16, ...CONNECTION_PARAMETERS }),
  },
});

export interface ConnectionParameters {
  connectionIntervalMin: number;
  connectionIntervalMax: number;
  maxLatency: number;
  supervisionTimeout: number;
}

/**
 * Connection parameter ranges, 7.8.12: interval 0x0006-0x0C80, latency 0-0x01F3, timeout
 * 0x000A-0x0C80 and larger than (1 + latency) * interval max * 2.
 */
export function validConnectionParameters(c: ConnectionParameters): boolean {
  if (c.connectionIntervalMin < 0x0006 || c.connectionIntervalMax > 0x0c80 || c.connectionIntervalMin > c.connectionIntervalMax) return false;
  if (c.maxLatency > 0x01f3) return false;
  if (c.supervisionTimeout < 0x000a || c.supervisionTimeout > 0x0c80) return false;
  const timeoutMs = c.supervisionTimeout * C.SUPERVISION_TIMEOUT_UNIT_MS;
  return timeoutMs > (1 + c.maxLatency) * c.connectionIntervalMax * C.CONN_INTERVAL_UNIT_MS * 2;
}
