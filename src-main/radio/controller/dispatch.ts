// Commands to handlers, and the one place a command is answered. A handler gets the decoded
// parameters and returns its return parameters or the status of a refusal; the table decodes,
// encodes and builds Command Complete or Command Status as the command's definition says
// (Core 5.4 Vol 4 Part E 7.7.14, 7.7.15). Malformed parameters get Invalid HCI Command
// Parameters, unknown opcodes Unknown HCI Command in a Command Complete.
import { DecodeError } from '../../hci/bytes.ts';
import { decodeCommand, encodeReturns, type CommandDef } from '../../hci/command.ts';
import { HciStatus } from '../../hci/constants.ts';
import { commandComplete, commandStatus } from '../../hci/events.ts';
import type { HciCommand, HciEvent } from '../../hci/packets.ts';
import { NO_FIELDS, type NoFields, type Spec, type Value } from '../../hci/struct.ts';

export interface Success<R> {
  readonly returns: R;
  /** Runs once the answer is sent: events a command causes come after its answer. */
  readonly after?: (() => void) | undefined;
}
export interface Refusal {
  readonly refused: number;
}
export type Outcome<R> = Success<R> | Refusal;

export function ok(): Success<NoFields>;
export function ok<R>(returns: R, after?: () => void): Success<R>;
export function ok<R>(returns?: R, after?: () => void): Success<R | NoFields> {
  return { returns: returns ?? NO_FIELDS, after };
}

export const refuse = (status: number): Refusal => ({ refused: status });

interface Result {
  status: number;
  returnParameters: Uint8Array;
  after?: (() => void) | undefined;
}

export interface CommandHandler {
  readonly def: CommandDef;
  /** Decodes the parameters and runs; DecodeError for malformed ones. */
  run(params: Uint8Array): Result;
}

const NONE = new Uint8Array(0);

export function handle<P extends Spec, R extends Spec>(def: CommandDef<P, R>, fn: (params: Value<P>) => Outcome<Value<R>>): CommandHandler {
  return {
    def,
    run(params) {
      // A command without parameters ignores any it is sent, as this controller always has.
      const out = fn(decodeCommand(def, Object.keys(def.params).length === 0 ? NONE : params));
      if ('refused' in out) return { status: out.refused, returnParameters: NONE };
      return { status: HciStatus.SUCCESS, returnParameters: encodeReturns(def, out.returns), after: out.after };
    },
  };
}

/** `h`, refused with Command Disallowed unless `allowed()` says it may run now. */
export function onlyIf(allowed: () => boolean, h: CommandHandler): CommandHandler {
  return { def: h.def, run: (params) => (allowed() ? h.run(params) : { status: HciStatus.COMMAND_DISALLOWED, returnParameters: NONE }) };
}

/** A command that succeeds whatever its parameters say (this controller has nothing to set). */
export function accept(def: CommandDef<Spec, NoFields>): CommandHandler {
  return { def, run: () => ({ status: HciStatus.SUCCESS, returnParameters: NONE }) };
}

export class CommandTable {
  private readonly handlers = new Map<number, CommandHandler>();

  add(handlers: readonly CommandHandler[]): void {
    for (const h of handlers) this.handlers.set(h.def.opcode, h);
  }

  /** The answer to `c`, and what its handler runs after the answer is sent. */
  dispatch(c: HciCommand, report: (message: string) => void): { answer: HciEvent; after?: (() => void) | undefined } {
    const h = this.handlers.get(c.opcode);
    if (!h) return { answer: commandComplete(c.opcode, HciStatus.UNKNOWN_HCI_COMMAND) };
    let result: Result;
    try {
      result = h.run(c.params);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      report(`command 0x${c.opcode.toString(16).padStart(4, '0')} (${h.def.name}): ${e.message}`);
      result = { status: HciStatus.INVALID_HCI_COMMAND_PARAMETERS, returnParameters: NONE };
    }
    const answer =
      h.def.answer === 'status'
        ? commandStatus(result.status, c.opcode)
        : commandComplete(c.opcode, result.status, result.status === HciStatus.SUCCESS ? result.returnParameters : NONE);
    return { answer, after: result.after };
  }
}
