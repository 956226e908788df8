// A raw LE peer for tests: our promise HCI channel on a laptop-adapter node, speaking L2CAP by hand,
// so tests can send a BleHost anything, well formed or not, and read exactly what comes back.
import { parseAddress } from '../../src-main/hci/address.ts';
import { toHex } from '../../src-main/hci/bytes.ts';
import { Reset, SetEventMask } from '../../src-main/hci/commands/baseband.ts';
import { advertisingData, LeSetAdvertisingData, LeSetAdvertisingEnable, LeSetAdvertisingParameters } from '../../src-main/hci/commands/le-advertising.ts';
import { LeCreateConnection } from '../../src-main/hci/commands/le-connection.ts';
import { LeSetEventMask } from '../../src-main/hci/commands/le-controller.ts';
import * as C from '../../src-main/hci/constants.ts';
import { decodeL2cap, encodeL2cap, L2CAP_HEADER_SIZE, l2capPduLength } from '../../src-main/hci/l2cap-frame.ts';
import { LeConnectionComplete } from '../../src-main/hci/le-events.ts';
import { HciClient } from '../../src-main/host/hci-client.ts';
import type { Radio } from '../../src-main/radio/radio.ts';

export interface Frame {
  cid: number;
  payload: Uint8Array;
}

export class RawPeer {
  readonly hci: HciClient;
  readonly frames: Frame[] = [];
  handle = -1;
  private rx: Uint8Array | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly radio: Radio, readonly name: string) {
    this.hci = new HciClient(radio.attachInProcess(name));
    this.hci.on('acl', (a) => {
      const data = a.pb === C.PB_CONTINUING && this.rx ? Uint8Array.from([...this.rx, ...a.data]) : a.data;
      const len = l2capPduLength(data);
      if (len === null || data.length < L2CAP_HEADER_SIZE + len) {
        this.rx = data;
        return;
      }
      this.rx = null;
      this.frames.push(decodeL2cap(data));
      for (const w of [...this.waiters]) w();
    });
  }

  async init(): Promise<void> {
    await this.hci.command(Reset);
    await this.hci.command(SetEventMask, { eventMask: new Uint8Array(8).fill(0xff) });
    await this.hci.command(LeSetEventMask, { leEventMask: Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]) });
  }

  /** Connects as central to `address` ("AA:BB:..."), 7.5 ms interval. */
  async connectTo(address: string): Promise<number> {
    const done = this.connectionComplete();
    const r = await this.hci.execute(LeCreateConnection, {
      leScanInterval: 0x0060,
      leScanWindow: 0x0060,
      initiatorFilterPolicy: 0,
      peerAddressType: 0,
      peerAddress: parseAddress(address),
      ownAddressType: 0,
      connectionIntervalMin: 6,
      connectionIntervalMax: 6,
      maxLatency: 0,
      supervisionTimeout: 100,
      minCeLength: 0,
      maxCeLength: 0,
    });
    if (!r.ok) throw new Error(`create connection: ${C.statusName(r.status)}`);
    return done;
  }

  /** Advertises connectably and resolves with the handle once a central connects. */
  async advertiseAndAccept(): Promise<number> {
    const done = this.connectionComplete();
    await this.advertise(Uint8Array.of(2, 1, 6));
    return done;
  }

  /** Advertises connectably (ADV_IND, 20 ms) with `data`. */
  async advertise(data: Uint8Array): Promise<void> {
    await this.hci.execute(LeSetAdvertisingParameters, {
      advertisingIntervalMin: 0x20,
      advertisingIntervalMax: 0x20,
      advertisingType: C.ADV_IND,
      ownAddressType: 0,
      peerAddressType: 0,
      peerAddress: new Uint8Array(6),
      advertisingChannelMap: 7,
      advertisingFilterPolicy: 0,
    });
    await this.hci.execute(LeSetAdvertisingData, advertisingData(data));
    await this.hci.execute(LeSetAdvertisingEnable, { advertisingEnable: true });
  }

  private async connectionComplete(): Promise<number> {
    const e = await this.hci.waitForEvent(LeConnectionComplete, () => true, 5000);
    if (e.status !== 0) throw new Error('connection failed');
    this.handle = e.connectionHandle;
    return this.handle;
  }

  /** Sends one L2CAP frame, split into ACL fragments of `fragment` octets. */
  send(cid: number, payload: Uint8Array, fragment = 27): void {
    const frame = encodeL2cap({ cid, payload });
    for (let at = 0; at < frame.length; at += fragment) {
      this.hci.sendAcl({ handle: this.handle, pb: at === 0 ? C.PB_FIRST_NON_FLUSHABLE : C.PB_CONTINUING, bc: 0, data: frame.subarray(at, at + fragment) });
    }
  }

  /** The next frame on `cid` received after this call, as hex; '' if none within `ms`. */
  next(cid: number, ms = 500): Promise<string> {
    const from = this.frames.length;
    return new Promise((resolve) => {
      const check = (): boolean => {
        const f = this.frames.slice(from).find((x) => x.cid === cid);
        if (!f) return false;
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
        resolve(toHex(f.payload));
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve('');
      }, ms);
      this.waiters.push(check);
    });
  }

  /** Sends on `cid` and waits for the answer on the same channel. */
  async ask(cid: number, payload: Uint8Array, ms = 500): Promise<string> {
    const answer = this.next(cid, ms);
    this.send(cid, payload);
    return answer;
  }

  close(): void {
    this.hci.close();
  }
}
