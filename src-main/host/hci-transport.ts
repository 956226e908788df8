// The host side of the HCI transport, synchronous: commands go one at a time (the controller
// grants Num_HCI_Command_Packets = 1) and each has a callback for its Command Complete or Command
// Status, with its return parameters decoded; ACL output is counted against the controller's LE
// buffers (HCI_LE_Read_Buffer_Size, Core 5.4 Vol 4 Part E 7.8.2) and released by Number Of
// Completed Packets (7.7.19) or by the connection's Disconnection Complete (7.7.5). Every other event
// is decoded once here and handed on. No promises: everything runs inside the receive callback.
import { DecodeError } from '../hci/bytes.ts';
import type { Clock, Timer } from '../hci/clock.ts';
import { decodeReturns, encodeCommand, type CommandDef } from '../hci/command.ts';
import { HCI_ACLDATA_PKT, HCI_EVENT_PKT, HciStatus } from '../hci/constants.ts';
import { completion } from '../hci/events.ts';
import { describeFramerError, H4Framer } from '../hci/h4-framer.ts';
import type { HostEnd } from '../hci/host-end.ts';
import { decodePacket, encodePacket, type HciCommand } from '../hci/packets.ts';
import { parseEvent, type ParsedEvent } from '../hci/registry.ts';
import type { Spec, Value } from '../hci/struct.ts';

/** Status passed to a command's callback when the controller never answered. Not an HCI code. */
export const HCI_STATUS_TIMEOUT = 0x100;
/** Status passed to queued commands dropped by reset(). Not an HCI code. */
export const HCI_STATUS_CANCELLED = 0x101;
/** Status passed when the controller's return parameters do not decode. Not an HCI code. */
export const HCI_STATUS_MALFORMED = 0x102;

/** How a command ended: its return parameters, or the status it failed with. */
export type Answer<R> = { readonly ok: true; readonly status: 0; readonly returns: R } | { readonly ok: false; readonly status: number };

interface PendingCommand {
  command: HciCommand;
  name: string;
  /** The answer's status and the return parameters after it (Command Status: none). */
  finish(status: number, returnParameters: Uint8Array | null): void;
}

export class HciTransport {
  /** Every event except Command Complete / Status (answered through callbacks) and Number Of Completed Packets. */
  onEvent: (e: ParsedEvent) => void = () => {};
  onAcl: (handle: number, pb: number, data: Uint8Array) => void = () => {};
  /** ACL buffers were returned by the controller. */
  onBuffersFreed: () => void = () => {};
  onLog: (message: string) => void = () => {};

  private readonly framer = new H4Framer({ accept: [HCI_EVENT_PKT, HCI_ACLDATA_PKT], maxAclLength: 0xffff });
  private readonly queue: PendingCommand[] = [];
  private inFlight: (PendingCommand & { timer: Timer }) | null = null;
  private bufferLength = 27;
  private bufferCount = 0;
  private aclInFlight = 0;
  private readonly perHandle = new Map<number, number>();
  private closed = false;

  constructor(
    private readonly end: HostEnd,
    private readonly clock: Clock,
    private readonly commandTimeoutMs = 2000,
  ) {
    end.onReceive((bytes) => this.receive(bytes));
  }

  command<P extends Spec, R extends Spec>(def: CommandDef<P, R>, params: Value<P>, done?: (answer: Answer<Value<R>>) => void): void {
    if (this.closed) return;
    const finish = (status: number, returnParameters: Uint8Array | null): void => {
      if (!done) return;
      if (status !== HciStatus.SUCCESS) return done({ ok: false, status });
      let returns: Value<R>;
      try {
        returns = decodeReturns(def, returnParameters ?? new Uint8Array(0));
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.onLog(`${def.name}: malformed return parameters: ${e.message}`);
        return done({ ok: false, status: HCI_STATUS_MALFORMED });
      }
      done({ ok: true, status: HciStatus.SUCCESS, returns });
    };
    this.queue.push({ command: encodeCommand(def, params), name: def.name, finish });
    this.pump();
  }

  get idle(): boolean {
    return this.inFlight === null && this.queue.length === 0;
  }

  /** From HCI_LE_Read_Buffer_Size: octets per ACL packet and how many the controller holds. */
  setAclBuffers(length: number, count: number): void {
    this.bufferLength = length;
    this.bufferCount = count;
  }

  get aclBufferLength(): number {
    return this.bufferLength;
  }

  get freeAclBuffers(): number {
    return Math.max(0, this.bufferCount - this.aclInFlight);
  }

  /** Sends one ACL packet; the caller checks freeAclBuffers first. */
  sendAcl(handle: number, pb: number, data: Uint8Array): void {
    if (this.freeAclBuffers === 0) throw new Error('no free LE ACL buffer');
    this.aclInFlight++;
    this.perHandle.set(handle, (this.perHandle.get(handle) ?? 0) + 1);
    this.end.send(encodePacket({ kind: 'acl', handle, pb, bc: 0, data }));
  }

  /** Forgets queued commands (their callbacks get HCI_STATUS_CANCELLED) and ACL accounting. */
  reset(): void {
    const dropped = [...(this.inFlight ? [this.inFlight] : []), ...this.queue];
    this.inFlight?.timer.cancel();
    this.inFlight = null;
    this.queue.length = 0;
    this.aclInFlight = 0;
    this.perHandle.clear();
    for (const c of dropped) c.finish(HCI_STATUS_CANCELLED, null);
  }

  close(): void {
    this.reset();
    this.closed = true;
    this.end.close();
  }

  private pump(): void {
    if (this.inFlight || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    const pending = {
      ...next,
      timer: this.clock.at(this.clock.now() + this.commandTimeoutMs, () => {
        if (this.inFlight !== pending) return;
        this.inFlight = null;
        this.onLog(`no answer to command 0x${next.command.opcode.toString(16).padStart(4, '0')} (${next.name}) in ${this.commandTimeoutMs} ms`);
        next.finish(HCI_STATUS_TIMEOUT, null);
        this.pump();
      }),
    };
    this.inFlight = pending;
    this.end.send(encodePacket(next.command));
  }

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    for (const out of this.framer.push(bytes)) {
      if (out.kind === 'error') {
        this.onLog(`transport: ${describeFramerError(out.error)}`);
        continue;
      }
      try {
        const p = decodePacket(out.bytes);
        if (p.kind === 'acl') this.onAcl(p.handle, p.pb, p.data);
        else if (p.kind === 'event') this.dispatchEvent(parseEvent(p));
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.onLog(`malformed packet from controller: ${e.message}`);
      }
    }
  }

  private dispatchEvent(e: ParsedEvent): void {
    switch (e.event) {
      case 'HCI_Command_Complete': {
        const { status, returnParameters } = completion(e);
        return this.answer(e.commandOpcode, status, returnParameters);
      }
      case 'HCI_Command_Status':
        return this.answer(e.commandOpcode, e.status, null);
      case 'HCI_Number_Of_Completed_Packets':
        for (const h of e.handles) this.release(h.connectionHandle, h.numCompletedPackets);
        return this.onBuffersFreed();
      case 'HCI_Disconnection_Complete': // the controller frees the connection's buffers silently
        if (e.status === HciStatus.SUCCESS) this.release(e.connectionHandle, this.perHandle.get(e.connectionHandle) ?? 0);
        this.onEvent(e);
        return this.onBuffersFreed();
      default:
        this.onEvent(e);
    }
  }

  private answer(opcode: number, status: number, returnParameters: Uint8Array | null): void {
    const p = this.inFlight;
    if (!p || p.command.opcode !== opcode) return; // opcode 0x0000: the controller is ready; nothing waits for it
    p.timer.cancel();
    this.inFlight = null;
    try {
      p.finish(status, returnParameters);
    } finally {
      this.pump();
    }
  }

  private release(handle: number, packets: number): void {
    const held = this.perHandle.get(handle) ?? 0;
    const n = Math.min(held, packets);
    if (held - n === 0) this.perHandle.delete(handle);
    else this.perHandle.set(handle, held - n);
    this.aclInFlight -= n;
  }
}
