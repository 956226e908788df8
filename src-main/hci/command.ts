// What an HCI command is: its opcode, its parameters, how the controller answers it and, for
// Command Complete, its return parameters after the Status octet (Core 5.4 Vol 4 Part E 7.7.14:
// on failure a controller may send the Status alone, and ours does). Definitions are in
// commands-*.ts, one file per group of the spec's chapter 7.
import type { HciCommand } from './packets.ts';
import { decodeStruct, encodeStruct, NO_FIELDS, type NoFields, type Spec, type Value } from './struct.ts';

export interface CommandDef<P extends Spec = Spec, R extends Spec = Spec> {
  /** As the spec names it: 'HCI_LE_Create_Connection'. */
  readonly name: string;
  /** Its section in Core 5.4 Vol 4 Part E. */
  readonly section: string;
  readonly opcode: number;
  /** Command Complete carries the outcome, or Command Status does and an event follows (7.7.15). */
  readonly answer: 'complete' | 'status';
  readonly params: P;
  /** Return parameters after Status, sent on success. None for a Command Status command. */
  readonly returns: R;
}

export type ParamsOf<C> = C extends CommandDef<infer P, Spec> ? Value<P> : never;
export type ReturnsOf<C> = C extends CommandDef<Spec, infer R> ? Value<R> : never;

interface Definition<P extends Spec> {
  name: string;
  section: string;
  opcode: number;
  params: P;
}

/** A command answered by Command Complete, with its return parameters. */
export function command<P extends Spec, R extends Spec>(d: Definition<P> & { returns: R }): CommandDef<P, R> {
  return { ...d, answer: 'complete' };
}

/** A command answered by Command Status; its outcome comes in a later event. */
export function statusCommand<P extends Spec>(d: Definition<P>): CommandDef<P, NoFields> {
  return { ...d, answer: 'status', returns: NO_FIELDS };
}

export function encodeCommand<P extends Spec>(def: CommandDef<P, Spec>, params: Value<P>): HciCommand {
  return { kind: 'command', opcode: def.opcode, params: encodeStruct(def.params, params) };
}

/** The parameters of a command: a wrong length or an impossible value throws DecodeError. */
export function decodeCommand<P extends Spec>(def: CommandDef<P, Spec>, params: Uint8Array): Value<P> {
  return decodeStruct(def.params, params);
}

/** Return parameters without the Status octet. */
export function encodeReturns<R extends Spec>(def: CommandDef<Spec, R>, returns: Value<R>): Uint8Array {
  return encodeStruct(def.returns, returns);
}

/** Return parameters after the Status octet of a successful Command Complete. */
export function decodeReturns<R extends Spec>(def: CommandDef<Spec, R>, bytes: Uint8Array): Value<R> {
  return decodeStruct(def.returns, bytes);
}
