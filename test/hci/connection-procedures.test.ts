// The commands and events of the Connection Parameters Request and PHY Update procedures, as whole
// H4 packets with the parameter layouts of Core 5.4 Vol 4 Part E, derived by hand.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { decodeCommand, encodeCommand, type CommandDef } from '../../src-main/hci/command.ts';
import { LeRemoteConnectionParameterRequestNegativeReply, LeRemoteConnectionParameterRequestReply } from '../../src-main/hci/commands/le-connection.ts';
import { LeSetPhy } from '../../src-main/hci/commands/le-controller.ts';
import { encodeEvent } from '../../src-main/hci/event.ts';
import { LePhyUpdateComplete, LeRemoteConnectionParameterRequest } from '../../src-main/hci/le-events.ts';
import { decodePacket, encodePacket, type HciEvent } from '../../src-main/hci/packets.ts';
import { parseEvent } from '../../src-main/hci/registry.ts';
import type { Spec, Value } from '../../src-main/hci/struct.ts';
import { expectHex } from './decode-error.ts';

/** A whole H4 event packet from hex. */
const event = (hex: string): HciEvent => decodePacket(fromHex(hex)) as HciEvent;
const cmd = <P extends Spec>(def: CommandDef<P, Spec>, p: Value<P>): Uint8Array => encodePacket(encodeCommand(def, p));

describe('Connection Parameters Request procedure, golden hex', () => {
  it('7.7.65.6 LE Remote Connection Parameter Request: handle, Interval_Min, Interval_Max, Max_Latency, Timeout', () => {
    const e = encodeEvent(LeRemoteConnectionParameterRequest, { connectionHandle: 0x0040, intervalMin: 0x0006, intervalMax: 0x000c, maxLatency: 0, timeout: 0x0064 });
    expectHex(encodePacket(e), '04 3e 0b 06 40 00 06 00 0c 00 00 00 64 00');
    expect(parseEvent(event('04 3e 0b 06 40 00 06 00 0c 00 00 00 64 00'))).toEqual({
      event: 'HCI_LE_Remote_Connection_Parameter_Request',
      connectionHandle: 0x40,
      intervalMin: 6,
      intervalMax: 12,
      maxLatency: 0,
      timeout: 100,
    });
  });

  it('7.8.31 LE Remote Connection Parameter Request Reply (OCF 0x0020): 14 octets of parameters', () => {
    const p = { connectionHandle: 0x0040, connectionIntervalMin: 6, connectionIntervalMax: 12, maxLatency: 0, supervisionTimeout: 100, minCeLength: 0, maxCeLength: 0 };
    expectHex(cmd(LeRemoteConnectionParameterRequestReply, p), '01 20 20 0e 40 00 06 00 0c 00 00 00 64 00 00 00 00 00');
    expect(decodeCommand(LeRemoteConnectionParameterRequestReply, fromHex('40 00 06 00 0c 00 00 00 64 00 00 00 00 00'))).toEqual(p);
  });

  it('7.8.32 LE Remote Connection Parameter Request Negative Reply (OCF 0x0021): handle and Reason', () => {
    expectHex(cmd(LeRemoteConnectionParameterRequestNegativeReply, { connectionHandle: 0x0040, reason: 0x3b }), '01 21 20 03 40 00 3b');
  });
});

describe('PHY Update procedure, golden hex', () => {
  it('7.8.49 LE Set PHY (OCF 0x0032): handle, All_PHYs, TX_PHYS, RX_PHYS, PHY_Options', () => {
    expectHex(cmd(LeSetPhy, { connectionHandle: 0x0040, allPhys: 0, txPhys: 0x02, rxPhys: 0x02, phyOptions: 0 }), '01 32 20 07 40 00 00 02 02 00 00');
  });

  it('7.7.65.12 LE PHY Update Complete: Status, handle, TX_PHY, RX_PHY', () => {
    const e = encodeEvent(LePhyUpdateComplete, { status: 0, connectionHandle: 0x0040, txPhy: 0x02, rxPhy: 0x02 });
    expectHex(encodePacket(e), '04 3e 06 0c 00 40 00 02 02');
    expect(parseEvent(event('04 3e 06 0c 1a 40 00 01 01'))).toEqual({ event: 'HCI_LE_PHY_Update_Complete', status: 0x1a, connectionHandle: 0x40, txPhy: 1, rxPhy: 1 });
  });
});
