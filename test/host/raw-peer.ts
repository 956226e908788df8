// A raw LE peer for tests: our promise HCI channel on a laptop-adapter node, speaking L2CAP by hand,
// so tests can send a BleHost anything, well formed or not, and read exactly what comes back.
import { HciChannel } from '../../src-main/host/hci-channel.ts';
import { encodeL2cap } from '../../src-main/host/l2cap-codec.ts';
import { parseAddress } from '../../src-main/radio/hci/address.ts';
import { ByteReader, toHex } from '../../src-main/radio/hci/bytes.ts';
import * as C from '../../src-main/radio/hci/constants.ts';
import * as cmd from '../../src-main/radio/hci/commands.ts';
import type { Radio } from '../../src-main/radio/radio.ts';

export interface Frame {
  cid: number;
  payload: Uint8Array;
}

export class RawPeer {
  readonly hci: HciChannel;
  readonly frames: Frame[] = [];
  handle = -1;
  private rx: Uint8Array | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly radio: Radio, readonly name: string) {
    this.hci = new HciChannel(radio.attachInProcess(name));
    this.hci.on('acl', (a) => {
      const data = a.pb === C.PB_CONTINUING && this.rx ? Uint8Array.from([...this.rx, ...a.data]) : a.data;
      const len = data[0]! | (data[1]! << 8);
      if (data.length < len + 4) {
        this.rx = data;
        return;
      }
      this.rx = null;
      const r = new ByteReader(data);
      r.u16();
      this.frames.push({ cid: r.u16(), payload: r.rest() });
      for (const w of [...this.waiters]) w();
    });
  }

  async init(): Promise<void> {
    await this.hci.command(C.HCI_RESET);
    await this.hci.command(C.HCI_SET_EVENT_MASK, new Uint8Array(8).fill(0xff));
    await this.hci.command(C.HCI_LE_SET_EVENT_MASK, Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]));
  }

  /** Connects as central to `address` ("AA:BB:..."), 7.5 ms interval. */
  async connectTo(address: string): Promise<number> {
    const done = this.connectionComplete();
    const r = await this.hci.send(
      cmd.encodeCreateConnection({ filterPolicy: 0, peerAddressType: 0, peerAddress: parseAddress(address), ownAddressType: 0, intervalMin: 6, intervalMax: 6, maxLatency: 0, supervisionTimeout: 100 }),
    );
    if (r.status !== 0) throw new Error(`create connection: ${C.statusName(r.status)}`);
    return done;
  }

  /** Advertises connectably and resolves with the handle once a central connects. */
  async advertiseAndAccept(): Promise<number> {
    const done = this.connectionComplete();
    const params = { intervalMin: 0x20, intervalMax: 0x20, advertisingType: C.ADV_IND, ownAddressType: 0, peerAddressType: 0, peerAddress: new Uint8Array(6), channelMap: 7, filterPolicy: 0 };
    for (const c of [cmd.encodeAdvertisingParameters(params), cmd.encodeAdvertisingData(Uint8Array.of(2, 1, 6)), cmd.encodeAdvertisingEnable(true)]) await this.hci.send(c);
    return done;
  }

  private async connectionComplete(): Promise<number> {
    const e = await this.hci.waitForEvent((ev) => ev.code === C.HCI_LE_META && ev.params[0] === C.HCI_LE_CONNECTION_COMPLETE, 5000);
    const r = new ByteReader(e.params.subarray(1));
    if (r.u8() !== 0) throw new Error('connection failed');
    this.handle = r.u16();
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
