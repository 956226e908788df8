// The host side of the HCI transport, synchronous: commands go one at a time (the controller
// grants Num_HCI_Command_Packets = 1) and each has a callback for its Command Complete or Command
// Status; ACL output is counted against the controller's LE buffers (HCI_LE_Read_Buffer_Size,
// Core 5.4 Vol 4 Part E 7.8.2) and released by Number Of Completed Packets (7.7.19) or by the
// link's Disconnection Complete (7.7.5). No promises: everything runs inside the receive callback.
import type { Clock, Timer } from '../radio/air/clock.ts';
import { ByteReader, DecodeError } from '../radio/hci/bytes.ts';
import {
  HCI_ACLDATA_PKT,
  HCI_COMMAND_COMPLETE,
  HCI_COMMAND_STATUS,
  HCI_DISCONNECTION_COMPLETE,
  HCI_EVENT_PKT,
  HCI_NUMBER_OF_COMPLETED_PACKETS,
} from '../radio/hci/constants.ts';
import { decodePacket, encodePacket, type HciEvent } from '../radio/hci/packets.ts';
import { describeFramerError, H4Framer } from '../radio/transport/h4-framer.ts';
import type { HostEnd } from '../radio/transport/in-process.ts';

/** Status passed to a command's callback when the controller never answered. Not an HCI code. */
export const HCI_STATUS_TIMEOUT = 0x100;
/** Status passed to queued commands dropped by reset(). Not an HCI code. */
export const HCI_STATUS_CANCELLED = 0x101;

export type CommandDone = (status: number, returnParams: Uint8Array) => void;

interface PendingCommand {
  opcode: number;
  params: Uint8Array;
  done: CommandDone | undefined;
}

export class HciLink {
  /** Every event except Command Complete / Status (answered through callbacks) and Number Of Completed Packets. */
  onEvent: (e: HciEvent) => void = () => {};
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

  command(opcode: number, params: Uint8Array = new Uint8Array(0), done?: CommandDone): void {
    if (this.closed) return;
    this.queue.push({ opcode, params, done });
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
    for (const c of dropped) c.done?.(HCI_STATUS_CANCELLED, new Uint8Array(0));
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
        this.onLog(`no answer to command 0x${next.opcode.toString(16).padStart(4, '0')} in ${this.commandTimeoutMs} ms`);
        next.done?.(HCI_STATUS_TIMEOUT, new Uint8Array(0));
        this.pump();
      }),
    };
    this.inFlight = pending;
    this.end.send(encodePacket({ kind: 'command', opcode: next.opcode, params: next.params }));
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
        else if (p.kind === 'event') this.dispatchEvent(p);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.onLog(`malformed packet from controller: ${e.message}`);
      }
    }
  }

  private dispatchEvent(e: HciEvent): void {
    const r = new ByteReader(e.params);
    switch (e.code) {
      case HCI_COMMAND_COMPLETE: { // 7.7.14: Num_HCI_Command_Packets, Command_Opcode, Return_Parameters
        r.u8();
        const opcode = r.u16();
        const status = r.remaining > 0 ? r.u8() : 0;
        return this.answer(opcode, status, r.rest());
      }
      case HCI_COMMAND_STATUS: { // 7.7.15: Status, Num_HCI_Command_Packets, Command_Opcode
        const status = r.u8();
        r.u8();
        return this.answer(r.u16(), status, new Uint8Array(0));
      }
      case HCI_NUMBER_OF_COMPLETED_PACKETS: { // 7.7.19
        const n = r.u8();
        for (let i = 0; i < n; i++) this.release(r.u16() & 0x0fff, r.u16());
        return this.onBuffersFreed();
      }
      case HCI_DISCONNECTION_COMPLETE: { // 7.7.5: the controller frees the link's buffers silently
        const status = r.u8();
        const handle = r.u16() & 0x0fff;
        if (status === 0) this.release(handle, this.perHandle.get(handle) ?? 0);
        this.onEvent(e);
        return this.onBuffersFreed();
      }
      default:
        this.onEvent(e);
    }
  }

  private answer(opcode: number, status: number, returnParams: Uint8Array): void {
    const p = this.inFlight;
    if (!p || p.opcode !== opcode) return; // opcode 0x0000: the controller is ready; nothing waits for it
    p.timer.cancel();
    this.inFlight = null;
    p.done?.(status, returnParams);
    this.pump();
  }

  private release(handle: number, packets: number): void {
    const held = this.perHandle.get(handle) ?? 0;
    const n = Math.min(held, packets);
    if (held - n === 0) this.perHandle.delete(handle);
    else this.perHandle.set(handle, held - n);
    this.aclInFlight -= n;
  }
}
