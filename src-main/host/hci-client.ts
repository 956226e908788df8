// The host side of an HCI transport with promises, for tests and benches: one command in flight,
// Command Complete / Status matched to it (return parameters decoded by the command's
// definition), every other event and ACL packet handed on.
import { EventEmitter } from 'node:events';
import { decodeReturns, encodeCommand, type CommandDef } from '../hci/command.ts';
import { HCI_ACLDATA_PKT, HCI_EVENT_PKT, HciStatus, statusName } from '../hci/constants.ts';
import { asEvent, type EventDef } from '../hci/event.ts';
import { CommandComplete, CommandStatus, completion } from '../hci/events.ts';
import { H4Framer } from '../hci/h4-framer.ts';
import type { HostEnd } from '../hci/host-end.ts';
import { decodePacket, encodePacket, type HciAcl, type HciCommand, type HciEvent } from '../hci/packets.ts';
import type { Spec, Value } from '../hci/struct.ts';

export class HciStatusError extends Error {
  override readonly name = 'HciStatusError';
  constructor(
    readonly opcode: number,
    readonly status: number,
  ) {
    super(`command 0x${opcode.toString(16).padStart(4, '0')} failed: ${statusName(status)}`);
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export interface CommandResult {
  status: number;
  /** Return parameters after the status octet (Command Complete), empty for Command Status. */
  returnParams: Uint8Array;
}

/** A command's outcome: its decoded return parameters on success, else its status alone. */
export type Outcome<R> = { ok: true; status: 0; returns: R } | { ok: false; status: number };

/** Parameters as an argument: optional for a command without any. */
type ParamsArg<P extends Spec> = [keyof P] extends [never] ? [params?: Value<P>] : [params: Value<P>];

interface Pending {
  command: HciCommand;
  resolve(r: CommandResult): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface HciClientEvents {
  event: [HciEvent];
  acl: [HciAcl];
  'transport-error': [string];
}

export class HciClient extends EventEmitter<HciClientEvents> {
  private readonly framer = new H4Framer({ accept: [HCI_EVENT_PKT, HCI_ACLDATA_PKT], maxAclLength: 0xffff });
  private readonly queue: Pending[] = [];
  private inFlight: Pending | null = null;

  constructor(
    private readonly end: HostEnd,
    private readonly commandTimeoutMs = 2000,
  ) {
    super();
    end.onReceive((bytes) => this.receive(bytes));
  }

  /** Sends a command packet as it is, well formed or not; resolves with its status and raw return parameters. */
  send(command: HciCommand): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        command,
        resolve,
        reject,
        timer: setTimeout(() => {
          if (this.inFlight === pending) this.inFlight = null;
          reject(new TimeoutError(`no answer to command 0x${command.opcode.toString(16)} in ${this.commandTimeoutMs} ms`));
          this.pump();
        }, this.commandTimeoutMs),
      };
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Sends a command; resolves with its outcome, which may be a failure status (see `command`). */
  async execute<P extends Spec, R extends Spec>(def: CommandDef<P, R>, ...[params]: ParamsArg<P>): Promise<Outcome<Value<R>>> {
    // Params are only left out for a command without any, whose Value is {}.
    const r = await this.send(encodeCommand(def, params ?? ({} as Value<P>)));
    if (r.status !== HciStatus.SUCCESS) return { ok: false, status: r.status };
    return { ok: true, status: 0, returns: decodeReturns(def, r.returnParams) };
  }

  /** Sends a command and throws HciStatusError unless it succeeds; resolves with its return parameters. */
  async command<P extends Spec, R extends Spec>(def: CommandDef<P, R>, ...params: ParamsArg<P>): Promise<Value<R>> {
    const r = await this.execute(def, ...params);
    if (!r.ok) throw new HciStatusError(def.opcode, r.status);
    return r.returns;
  }

  sendAcl(acl: Omit<HciAcl, 'kind'>): void {
    this.end.send(encodePacket({ kind: 'acl', ...acl }));
  }

  /** Resolves with the fields of the first `def` event that `match` accepts. */
  waitForEvent<S extends Spec>(def: EventDef<string, S>, match: (e: Value<S>) => boolean = () => true, timeoutMs = 5000): Promise<Value<S>> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: HciEvent): void => {
        const v = asEvent(e, def);
        if (!v || !match(v)) return;
        clearTimeout(timer);
        this.off('event', onEvent);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.off('event', onEvent);
        reject(new TimeoutError(`no ${def.name} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('event', onEvent);
    });
  }

  close(): void {
    for (const p of [...this.queue, ...(this.inFlight ? [this.inFlight] : [])]) {
      clearTimeout(p.timer);
      p.reject(new Error('channel closed'));
    }
    this.queue.length = 0;
    this.inFlight = null;
    this.end.close();
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = this.queue.shift()!;
    this.end.send(encodePacket(this.inFlight.command));
  }

  private receive(bytes: Uint8Array): void {
    for (const out of this.framer.push(bytes)) {
      if (out.kind === 'error') {
        this.emit('transport-error', out.error.kind);
        continue;
      }
      const p = decodePacket(out.bytes);
      if (p.kind === 'acl') this.emit('acl', p);
      else if (p.kind === 'event') this.onEvent(p);
    }
  }

  private onEvent(e: HciEvent): void {
    const complete = asEvent(e, CommandComplete);
    const status = asEvent(e, CommandStatus);
    const answer = complete
      ? { opcode: complete.commandOpcode, ...completion(complete) }
      : status && { opcode: status.commandOpcode, status: status.status, returnParameters: new Uint8Array(0) };
    const p = this.inFlight;
    if (answer && p && p.command.opcode === answer.opcode) {
      clearTimeout(p.timer);
      this.inFlight = null;
      p.resolve({ status: answer.status, returnParams: answer.returnParameters });
      this.pump();
    }
    this.emit('event', e);
  }
}
