// A rogue PicoLink peripheral for flood tests: the scripted GATT server (scripted-gatt-peer.ts)
// with the PicoLink layout, which, once started, notifies TX values packed with PINGs as fast as
// its own controller takes them. Everything it sends waits for the controller's ACL buffers
// (Number Of Completed Packets, Core 5.4 Vol 4 Part E 7.7.19), as a real stack's does: the flood
// runs at the rogue's link rate and its controller never overflows.
import { asEvent } from '../../src-main/hci/event.ts';
import { DisconnectionComplete, NumberOfCompletedPackets } from '../../src-main/hci/events.ts';
import { encodeL2cap } from '../../src-main/hci/l2cap-frame.ts';
import { MessageType, encodeLinkFrame } from '../../src-main/hub/protocol/frames.ts';
import { PICO_W_CONTROLLER } from '../../src-main/radio/controller/options.ts';
import * as C from '../../src-main/hci/constants.ts';
import type { Radio } from '../../src-main/radio/radio.ts';
import { ATT_HANDLE_VALUE_NTF, ScriptedGattPeer } from './scripted-gatt-peer.ts';

/** The ATT fixed channel (Core 5.4 Vol 3 Part A 2.1). */
const L2CAP_CID_ATT = 0x0004;
/** The scripted peer's ATT_MTU (it offers 247; the hub asks for more). */
const PEER_MTU = 247;

/**
 * What each notification holds: as many PINGs as fit (the default), or one PING whose PONG needs
 * one more link-layer PDU than the PING (a 13-16 octet body at 27-octet PDUs), which doubles
 * what the hub would send back.
 */
export interface FloodShape {
  pingsPerValue: number;
  bodyOctets: number;
}

export class PingFloodPeer {
  /** PINGs notified so far. */
  pings = 0;
  /** PONGs the hub wrote to this peer (its Write Commands carrying a PONG frame). */
  pongsReceived = 0;
  /** ACL fragments waiting for a controller buffer. */
  private readonly queue: { data: Uint8Array; first: boolean }[] = [];
  private inController = 0;
  private flooding = false;
  private readonly value: Uint8Array;
  private readonly pingsPerValue: number;

  private constructor(
    readonly scripted: ScriptedGattPeer,
    shape: FloodShape,
  ) {
    const one = encodeLinkFrame(MessageType.PING, new Uint8Array(shape.bodyOctets).fill(0xa5));
    this.pingsPerValue = Math.min(shape.pingsPerValue, Math.floor((PEER_MTU - 3) / one.length));
    this.value = new Uint8Array(this.pingsPerValue * one.length);
    for (let i = 0; i < this.pingsPerValue; i++) this.value.set(one, i * one.length);
    const hci = scripted.peer.hci;
    hci.on('event', (e) => {
      const completed = asEvent(e, NumberOfCompletedPackets);
      if (completed) {
        for (const h of completed.handles) this.inController -= h.numCompletedPackets;
        this.inController = Math.max(0, this.inController);
        this.pump();
      } else if (asEvent(e, DisconnectionComplete)) {
        this.queue.length = 0;
        this.inController = 0;
      }
    });
    hci.on('acl', (a) => {
      // A Write Command (0x52) whose frame is a PONG: octets 4.. of the L2CAP payload start the value.
      const d = a.data;
      if (a.pb !== C.PB_CONTINUING && d.length >= 11 && d[4] === 0x52 && d[10] === MessageType.PONG) this.pongsReceived++;
    });
    // Everything the scripted server says goes through the paced queue too.
    scripted.peer.send = (cid: number, payload: Uint8Array) => this.enqueue(cid, payload);
  }

  static async start(radio: Radio, name: string, shape: Partial<FloodShape> = {}): Promise<PingFloodPeer> {
    const scripted = await ScriptedGattPeer.start(radio, name, { profile: 'picolink', cccd: true, cccdByType: { octets: 0 } });
    return new PingFloodPeer(scripted, { pingsPerValue: shape.pingsPerValue ?? Infinity, bodyOctets: shape.bodyOctets ?? 4 });
  }

  get address(): string {
    return this.scripted.address;
  }

  get pingsInEachValue(): number {
    return this.pingsPerValue;
  }

  /** Starts notifying PING-packed values, one more whenever the controller has room. */
  flood(): void {
    this.flooding = true;
    this.pump();
  }

  stop(): void {
    this.flooding = false;
  }

  close(): void {
    this.flooding = false;
    this.scripted.close();
  }

  private enqueue(cid: number, payload: Uint8Array): void {
    this.fragment(cid, payload);
    this.pump();
  }

  private fragment(cid: number, payload: Uint8Array): void {
    const frame = encodeL2cap({ cid, payload });
    const size = PICO_W_CONTROLLER.leAclBufferLength;
    for (let at = 0; at < frame.length; at += size) this.queue.push({ data: frame.subarray(at, at + size), first: at === 0 });
  }

  private pump(): void {
    const peer = this.scripted.peer;
    if (peer.handle < 0) return;
    for (;;) {
      if (this.queue.length === 0 && this.flooding) {
        this.pings += this.pingsPerValue;
        const tx = this.scripted.layout.tx;
        this.fragment(L2CAP_CID_ATT, Uint8Array.from([ATT_HANDLE_VALUE_NTF, tx & 0xff, tx >> 8, ...this.value]));
      }
      if (this.queue.length === 0 || this.inController >= PICO_W_CONTROLLER.leAclBufferCount) return;
      const { data, first } = this.queue.shift()!;
      this.inController++;
      peer.hci.sendAcl({ handle: peer.handle, pb: first ? C.PB_FIRST_NON_FLUSHABLE : C.PB_CONTINUING, bc: 0, data });
    }
  }
}
