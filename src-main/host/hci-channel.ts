// The host side of an HCI transport: one command in flight, Command Complete / Status matched to
// it, every other event and ACL packet handed on. Used by our own host stack and by tests.
import { EventEmitter } from 'node:events';
import { ByteReader } from '../radio/hci/bytes.ts';
import { HCI_ACLDATA_PKT, HCI_COMMAND_COMPLETE, HCI_COMMAND_STATUS, HCI_EVENT_PKT, statusName } from '../radio/hci/constants.ts';
import { decodePacket, encodePacket, type HciAcl, type HciCommand, type HciEvent } from '../radio/hci/packets.ts';
import { H4Framer } from '../radio/transport/h4-framer.ts';
import type { HostEnd } from '../radio/transport/in-process.ts';

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

interface Pending {
  command: HciCommand;
  resolve(r: CommandResult): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface HciChannelEvents {
  event: [HciEvent];
  acl: [HciAcl];
  'transport-error': [string];
}

export class HciChannel extends EventEmitter<HciChannelEvents> {
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

  /** Sends a command; resolves with its status, which may be an error status (see `command`). */
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

  /** Sends a command and throws HciStatusError unless it succeeds. */
  async command(opcode: number, params: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    const r = await this.send({ kind: 'command', opcode, params });
    if (r.status !== 0) throw new HciStatusError(opcode, r.status);
    return r.returnParams;
  }

  sendAcl(acl: Omit<HciAcl, 'kind'>): void {
    this.end.send(encodePacket({ kind: 'acl', ...acl }));
  }

  /** Resolves with the first event that `match` accepts. */
  waitForEvent(match: (e: HciEvent) => boolean, timeoutMs = 5000): Promise<HciEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: HciEvent): void => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.off('event', onEvent);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.off('event', onEvent);
        reject(new TimeoutError(`no matching event in ${timeoutMs} ms`));
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
    const r = new ByteReader(e.params);
    if (e.code === HCI_COMMAND_COMPLETE || e.code === HCI_COMMAND_STATUS) {
      let status = 0;
      let opcode: number;
      if (e.code === HCI_COMMAND_COMPLETE) {
        r.u8();
        opcode = r.u16();
        if (r.remaining > 0) status = r.u8();
      } else {
        status = r.u8();
        r.u8();
        opcode = r.u16();
      }
      const p = this.inFlight;
      if (p && p.command.opcode === opcode) {
        clearTimeout(p.timer);
        this.inFlight = null;
        p.resolve({ status, returnParams: r.rest() });
        this.pump();
      }
    }
    this.emit('event', e);
  }
}
