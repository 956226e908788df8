// Feature bits tell the truth: for each controller model, every command a set LE feature bit
// implies and every command whose Supported_Commands bit is set is answered with something other
// than Unknown HCI Command (0x01), by the event its definition in Core 5.4 Vol 4 Part E 7 names
// (Command Complete, 7.7.14, or Command Status, 7.7.15).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadLocalSupportedCommands } from '../../../src-main/hci/commands/informational.ts';
import { LeReadLocalSupportedFeatures } from '../../../src-main/hci/commands/le-controller.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { ALL_COMMANDS } from '../../../src-main/hci/registry.ts';
import { commandsInMap } from '../../../src-main/hci/supported-commands.ts';
import { LAPTOP_ADAPTER, PICO_W_CONTROLLER } from '../../../src-main/radio/controller/options.ts';
import { Bench, type TestNode } from '../harness.ts';

const le = (ocf: number): number => C.opcode(C.OGF_LE, ocf);

/**
 * LE feature bit (Core 5.4 Vol 6 Part B 4.6) -> the HCI commands it makes mandatory (Vol 4 Part E 3,
 * table 3.1, the commands conditional on that LE feature). Bits that only change link-layer
 * behaviour have no commands. A set bit missing from this table fails the test: decide, then add it.
 */
const LE_FEATURE_COMMANDS: Record<number, { name: string; opcodes: number[] }> = {
  // 4.6.1; Part E 7.8.22-7.8.26: the host encrypts, starts encryption, answers key requests.
  0: {
    name: 'LE Encryption',
    opcodes: [C.HCI_LE_ENCRYPT, C.HCI_LE_RAND, C.HCI_LE_ENABLE_ENCRYPTION, C.HCI_LE_LONG_TERM_KEY_REQUEST_REPLY, C.HCI_LE_LONG_TERM_KEY_REQUEST_NEGATIVE_REPLY],
  },
  // 4.6.2; Part E 7.8.31-7.8.32 (the host answers HCI_LE_Remote_Connection_Parameter_Request).
  1: { name: 'Connection Parameters Request procedure', opcodes: [le(0x0020), le(0x0021)] },
  // 4.6.3: LL_REJECT_EXT_IND only.
  2: { name: 'Extended Reject Indication', opcodes: [] },
  // 4.6.4: LL_PERIPHERAL_FEATURE_REQ; the host still uses HCI_LE_Read_Remote_Features (7.8.21).
  3: { name: 'Peripheral-initiated Features Exchange', opcodes: [C.HCI_LE_READ_REMOTE_FEATURES] },
  // 4.6.5: LL_PING_REQ; HCI_Read/Write_Authenticated_Payload_Timeout (7.3.93-94).
  4: { name: 'LE Ping', opcodes: [C.opcode(C.OGF_CONTROLLER_BASEBAND, 0x007b), C.opcode(C.OGF_CONTROLLER_BASEBAND, 0x007c)] },
  // 4.6.6; Part E 7.8.33-7.8.35, 7.8.46.
  5: {
    name: 'LE Data Packet Length Extension',
    opcodes: [C.HCI_LE_SET_DATA_LENGTH, C.HCI_LE_READ_SUGGESTED_DEFAULT_DATA_LENGTH, C.HCI_LE_WRITE_SUGGESTED_DEFAULT_DATA_LENGTH, C.HCI_LE_READ_MAXIMUM_DATA_LENGTH],
  },
  // 4.6.7; Part E 7.8.38-7.8.45: the resolving list.
  6: { name: 'LL Privacy', opcodes: [le(0x0027), le(0x0028), C.HCI_LE_CLEAR_RESOLVING_LIST, le(0x002a), C.HCI_LE_SET_ADDRESS_RESOLUTION_ENABLE, le(0x002e)] },
  // 4.6.8: a scanner filter policy value only.
  7: { name: 'Extended Scanner Filter Policies', opcodes: [] },
  // 4.6.9 / 4.6.10 (2M, Coded): Part E 7.8.47-7.8.49.
  8: { name: 'LE 2M PHY', opcodes: [C.HCI_LE_READ_PHY, C.HCI_LE_SET_DEFAULT_PHY, C.HCI_LE_SET_PHY] },
  11: { name: 'LE Coded PHY', opcodes: [C.HCI_LE_READ_PHY, C.HCI_LE_SET_DEFAULT_PHY, C.HCI_LE_SET_PHY] },
  // 4.6.12; Part E 7.8.52-7.8.60 (advertising sets) and 7.8.64-7.8.66 (scanning, initiating).
  12: {
    name: 'LE Extended Advertising',
    opcodes: [
      ...[0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d].map(le),
      C.HCI_LE_SET_EXTENDED_SCAN_PARAMETERS,
      C.HCI_LE_SET_EXTENDED_SCAN_ENABLE,
      C.HCI_LE_EXTENDED_CREATE_CONNECTION,
    ],
  },
};

const MODELS = { LAPTOP_ADAPTER, PICO_W_CONTROLLER } as const;

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

/** Sends `opcode` with no parameters: a known command answers (Invalid HCI Command Parameters if it needs some). */
async function answer(node: TestNode, opcode: number): Promise<{ status: number; kind: 'complete' | 'status' }> {
  const before = node.events.length;
  const r = await node.host.send({ kind: 'command', opcode, params: new Uint8Array(0) });
  const e = node.events.slice(before).find((x) => x.code === C.HCI_COMMAND_COMPLETE || x.code === C.HCI_COMMAND_STATUS)!;
  return { status: r.status, kind: e.code === C.HCI_COMMAND_COMPLETE ? 'complete' : 'status' };
}

function definition(opcode: number) {
  return ALL_COMMANDS.find((d) => d.opcode === opcode);
}

const hex = (op: number): string => `0x${op.toString(16).padStart(4, '0')}`;

describe.each(Object.entries(MODELS))('%s', (_, model) => {
  it('answers every command its LE feature bits imply, with the event its definition names', async () => {
    const node = await bench.node({ name: 'dut', ...model });
    const { leFeatures } = await node.host.command(LeReadLocalSupportedFeatures);
    const wrong: string[] = [];
    for (let bit = 0; bit < 64; bit++) {
      if (!((leFeatures[bit >> 3]! >> (bit & 7)) & 1)) continue;
      const implied = LE_FEATURE_COMMANDS[bit];
      if (!implied) {
        wrong.push(`LE feature bit ${bit} is set but this test does not know what it implies`);
        continue;
      }
      for (const op of implied.opcodes) {
        const def = definition(op);
        const got = await answer(node, op);
        if (got.status === C.HciStatus.UNKNOWN_HCI_COMMAND) wrong.push(`${implied.name} (bit ${bit}): ${def?.name ?? hex(op)} is unknown`);
        else if (!def) wrong.push(`${implied.name} (bit ${bit}): ${hex(op)} answered but has no definition in src-main/hci`);
        else if (got.kind !== def.answer) wrong.push(`${def.name} answered with Command ${got.kind}, ${def.section} says ${def.answer}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers every command whose Supported_Commands bit is set, with the event its definition names', async () => {
    const node = await bench.node({ name: 'dut', ...model });
    const { supportedCommands } = await node.host.command(ReadLocalSupportedCommands);
    const { known, unknown } = commandsInMap(supportedCommands);
    const wrong: string[] = unknown.map((u) => `Supported_Commands octet ${u.octet} bit ${u.bit} is set but names no command this tree knows`);
    for (const row of known) {
      const def = definition(row.opcode);
      const got = await answer(node, row.opcode);
      if (got.status === C.HciStatus.UNKNOWN_HCI_COMMAND) wrong.push(`${row.name} (octet ${row.octet} bit ${row.bit}) is unknown`);
      else if (!def) wrong.push(`${row.name}: answered but has no definition in src-main/hci`);
      else if (got.kind !== def.answer) wrong.push(`${def.name} answered with Command ${got.kind}, ${def.section} says ${def.answer}`);
    }
    expect(wrong).toEqual([]);
  });
});
