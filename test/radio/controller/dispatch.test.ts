// The one place a command is answered: Command Complete or Command Status as the definition says,
// return parameters only on success, Invalid HCI Command Parameters for malformed ones, Unknown
// HCI Command for the rest. Golden hex from Core 5.4 Vol 4 Part E 7.7.14 and 7.7.15.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src-main/hci/bytes.ts';
import { encodeCommand } from '../../../src-main/hci/command.ts';
import { Reset } from '../../../src-main/hci/commands/baseband.ts';
import { LeCreateConnectionCancel } from '../../../src-main/hci/commands/le-connection.ts';
import { Disconnect, ReadRssi } from '../../../src-main/hci/commands/link-control.ts';
import { HciStatus } from '../../../src-main/hci/constants.ts';
import { encodePacket, type HciCommand } from '../../../src-main/hci/packets.ts';
import { accept, CommandTable, handle, ok, refuse } from '../../../src-main/radio/controller/dispatch.ts';

function table() {
  const order: string[] = [];
  const reports: string[] = [];
  const t = new CommandTable();
  t.add([
    handle(ReadRssi, (p) => (p.connectionHandle === 0x40 ? ok({ connectionHandle: 0x40, rssi: -50 }) : refuse(HciStatus.UNKNOWN_CONNECTION_IDENTIFIER))),
    handle(Disconnect, (p) => (p.reason === 0x13 ? ok() : refuse(HciStatus.INVALID_HCI_COMMAND_PARAMETERS))),
    handle(LeCreateConnectionCancel, () => ok({}, () => order.push('after'))),
    accept(Reset),
  ]);
  const answer = (c: HciCommand): string => {
    const { answer, after } = t.dispatch(c, (m) => reports.push(m));
    order.push('answer');
    after?.();
    return toHex(encodePacket(answer));
  };
  return { answer, order, reports };
}

describe('CommandTable', () => {
  it('7.7.14: Command Complete with Status then the return parameters; the Status alone on failure', () => {
    const { answer } = table();
    expect(answer(encodeCommand(ReadRssi, { connectionHandle: 0x40 }))).toBe('040e07010514004000ce');
    expect(answer(encodeCommand(ReadRssi, { connectionHandle: 0x41 }))).toBe('040e0401051402');
  });

  it('7.7.15: a Command Status command is answered with its status, success or not', () => {
    const { answer } = table();
    expect(answer(encodeCommand(Disconnect, { connectionHandle: 0x40, reason: 0x13 }))).toBe('040f0400010604');
    expect(answer(encodeCommand(Disconnect, { connectionHandle: 0x40, reason: 0x01 }))).toBe('040f0412010604');
  });

  it('malformed parameters: Invalid HCI Command Parameters in the answer the command has, and a report naming it', () => {
    const { answer, reports } = table();
    expect(answer({ kind: 'command', opcode: ReadRssi.opcode, params: fromHex('40') })).toBe('040e0401051412');
    expect(answer({ kind: 'command', opcode: Disconnect.opcode, params: fromHex('40 00') })).toBe('040f0412010604');
    expect(reports).toEqual([expect.stringContaining('HCI_Read_RSSI'), expect.stringContaining('HCI_Disconnect')]);
  });

  it('an unknown opcode gets Unknown HCI Command in a Command Complete; an accepted one ignores its parameters', () => {
    const { answer } = table();
    expect(answer({ kind: 'command', opcode: 0xfc99, params: fromHex('01 02') })).toBe('040e040199fc01');
    expect(answer({ kind: 'command', opcode: Reset.opcode, params: fromHex('ff') })).toBe('040e0401030c00');
  });

  it('what a command causes runs after its answer', () => {
    const { answer, order } = table();
    expect(answer(encodeCommand(LeCreateConnectionCancel, {}))).toBe('040e04010e2000');
    expect(order).toEqual(['answer', 'after']);
  });
});
