import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  END,
  MessageType,
  SEQ,
  START,
  WINDOW,
  decodeValue,
  encodeCredit,
  encodeFrame,
  encodeLinkFrame,
  encodePong,
  framePayloadRoom,
  isLinkFrame,
  u32Bytes,
} from '../../src-main/hub/protocol/frames.ts';
import { FLOOD_CALM_MS } from '../../src-main/hub/protocol/flood-meter.ts';
import { SessionError, type LinkMessage, type OutboundProgress } from '../../src-main/hub/protocol/protocol-session.ts';
import { MAX_IN_FLIGHT, PicoLinkSession, THROUGHPUT_STALL_MS, type PicoLinkSessionOptions, type ThroughputResult } from '../../src-main/hub/protocol/session.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/), (x) => parseInt(x, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** What the Pico puts on the air: counted frames cut as link.py cuts them, with its own SEQ. */
class PeerTx {
  seq = 0;
  constructor(public mtu = 23) {}

  message(type: number, body: Uint8Array): Uint8Array[] {
    const room = framePayloadRoom(this.mtu);
    const out: Uint8Array[] = [];
    let i = 0;
    let first = true;
    while (first || i < body.length) {
      const k = Math.min(body.length - i, first ? room - 1 : room);
      const payload = first ? Uint8Array.of(type, ...body.subarray(i, i + k)) : body.subarray(i, i + k);
      i += k;
      const flags = (first ? START : 0) | (i >= body.length ? END : 0);
      out.push(encodeFrame(flags, this.seq, payload));
      this.seq = (this.seq + 1) & SEQ;
      first = false;
    }
    return out;
  }

  text(s: string): Uint8Array[] {
    return this.message(MessageType.TEXT, text(s));
  }
}

interface Harness {
  s: PicoLinkSession;
  written: Uint8Array[];
  bads: string[];
  messages: LinkMessage[];
  errors: Error[];
  clock: { t: number };
}

function harness(options: Partial<PicoLinkSessionOptions> = {}): Harness {
  const written: Uint8Array[] = [];
  const clock = { t: 1000 };
  const s = new PicoLinkSession({ mtu: 23, write: (v) => void written.push(v.slice()), now: () => clock.t, ...options });
  const bads: string[] = [];
  const messages: LinkMessage[] = [];
  const errors: Error[] = [];
  s.on('bad', (r) => bads.push(r));
  s.on('message', (m) => messages.push(m));
  s.on('error', (e) => errors.push(e));
  return { s, written, bads, messages, errors, clock };
}

/** Counted frames among the values the hub wrote (skipping CREDIT, PING, PONG). */
function countedFrames(values: Uint8Array[]): { flags: number; payload: Uint8Array }[] {
  const out: { flags: number; payload: Uint8Array }[] = [];
  for (const v of values) {
    const d = decodeValue(v);
    expect(d.error).toBeNull();
    for (const f of d.frames) if (!isLinkFrame(f)) out.push({ flags: (f.start ? START : 0) | (f.end ? END : 0) | f.seq, payload: f.payload });
  }
  return out;
}

/** CREDIT totals among the values the hub wrote. */
function credits(values: Uint8Array[]): number[] {
  return values.filter((v) => v[3] === MessageType.CREDIT && v.length === 6).map((v) => v[4]! | (v[5]! << 8));
}

const CREDIT_0 = 'c0 03 00 12 00 00';

afterEach(() => {
  vi.useRealTimers();
});

describe('PROTOCOL.md worked examples', () => {
  it('start() sends CREDIT 0', () => {
    const h = harness();
    h.s.start();
    expect(h.written.map(toHex)).toEqual([CREDIT_0]);
    h.s.close();
  });

  it('receives TEXT "hello 7" as the third counted frame at ATT_MTU 23', () => {
    const h = harness();
    const peer = new PeerTx();
    for (const v of [...peer.text('one'), ...peer.text('two')]) h.s.receive(v);
    h.s.receive(hex('c2 08 00 01 68 65 6c 6c 6f 20 37'));
    expect(h.messages).toEqual([
      { kind: 'text', text: 'one' },
      { kind: 'text', text: 'two' },
      { kind: 'text', text: 'hello 7' },
    ]);
    expect(h.bads).toEqual([]);
    h.s.close();
  });

  it('sends TEXT "hello 7" as the third counted frame, byte for byte', async () => {
    const h = harness();
    h.s.start();
    await h.s.send({ kind: 'text', text: 'one' });
    await h.s.send({ kind: 'data', bytes: hex('01 02') });
    await h.s.send({ kind: 'text', text: 'hello 7' });
    expect(h.written.map(toHex)).toEqual([CREDIT_0, 'c0 04 00 01 6f 6e 65', 'c1 03 00 00 01 02', 'c2 08 00 01 68 65 6c 6c 6f 20 37']);
    expect(h.s.stats.messagesOut).toBe(3);
    expect(h.s.stats.framesOut).toBe(4);
    h.s.close();
  });

  it('answers PING aa bb after 812 µs with the example PONG', () => {
    const times = [5000, 5000.812];
    const h = harness({ now: () => times.shift() ?? 9999 });
    h.s.receive(hex('c0 03 00 10 aa bb'));
    expect(h.written.map(toHex)).toEqual(['c0 07 00 11 aa bb 2c 03 00 00']);
    expect(h.s.stats.framesIn).toBe(1);
    h.s.close();
  });

  it('pings with the example PING and reads the example PONG', () => {
    const h = harness();
    const pongs: { body: Uint8Array; firmwareUs: number }[] = [];
    h.s.on('pong', (p) => pongs.push(p));
    h.s.ping(hex('aa bb'));
    expect(h.written.map(toHex)).toEqual(['c0 03 00 10 aa bb']);
    h.s.receive(hex('c0 07 00 11 aa bb 2c 03 00 00'));
    expect(pongs.map((p) => [toHex(p.body), p.firmwareUs])).toEqual([['aa bb', 812]]);
  });

  it('refuses a PING body whose PONG would not fit one frame', () => {
    const h = harness();
    expect(() => h.s.ping(new Uint8Array(13))).toThrow(RangeError); // ATT_MTU 23 - 11 = 12
    h.s.ping(new Uint8Array(12));
    expect(h.written).toHaveLength(1);
    // A PING from the Pico that is too long is counted, not answered.
    h.s.receive(encodeLinkFrame(MessageType.PING, new Uint8Array(13)));
    expect(h.written).toHaveLength(1);
    expect(h.s.stats.bad).toBe(1);
  });
});

describe('reassembly', () => {
  for (const mtu of [23, 247]) {
    it(`reassembles multi-frame messages at ATT_MTU ${mtu}`, () => {
      const h = harness({ mtu });
      const peer = new PeerTx(mtu);
      const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);
      const frames = peer.message(MessageType.DATA, bytes);
      expect(frames).toHaveLength(Math.ceil(4097 / framePayloadRoom(mtu)));
      for (const f of frames) h.s.receive(f);
      const longText = 'héllo wörld ✓ '.repeat(40);
      // Several frames in one ATT value, as the Pico's append-mode buffer can deliver them (four
      // at a time: the hub's CREDIT after each value keeps the Pico within its window).
      const textFrames = peer.text(longText);
      for (let i = 0; i < textFrames.length; i += 4) {
        const group = textFrames.slice(i, i + 4);
        const joined = new Uint8Array(group.reduce((n, f) => n + f.length, 0));
        group.reduce((at, f) => (joined.set(f, at), at + f.length), 0);
        h.s.receive(joined);
      }
      expect(h.bads).toEqual([]);
      expect(h.messages).toHaveLength(2);
      expect(h.messages[0]).toEqual({ kind: 'data', bytes });
      expect(h.messages[1]).toEqual({ kind: 'text', text: longText });
      expect(h.s.stats.framesIn).toBe(frames.length + textFrames.length);
      expect(h.s.stats.messagesIn).toBe(2);
    });

    it(`cuts an outgoing message into frames of framePayloadRoom(${mtu})`, async () => {
      const h = harness({ mtu });
      h.s.start();
      // Grant enough credit for the whole message up front.
      h.s.receive(encodeCredit(0));
      const body = Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff);
      const sending = h.s.send({ kind: 'data', bytes: body });
      const need = Math.ceil(1501 / framePayloadRoom(mtu));
      for (let total = 0; countedFrames(h.written).length < need; total += 4) h.s.receive(encodeCredit(Math.min(total, countedFrames(h.written).length)));
      await sending;
      const frames = countedFrames(h.written);
      expect(frames).toHaveLength(need);
      expect(frames.map((f) => f.flags & SEQ)).toEqual(frames.map((_, i) => i & SEQ));
      expect(frames[0]!.flags & START).toBe(START);
      expect(frames.at(-1)!.flags & END).toBe(END);
      expect(frames.slice(0, -1).every((f) => f.payload.length === framePayloadRoom(mtu))).toBe(true);
      const joined = Uint8Array.from(frames.flatMap((f) => Array.from(f.payload)));
      expect(joined[0]).toBe(MessageType.DATA);
      expect(joined.subarray(1)).toEqual(body);
    });
  }

  it('uses a new ATT_MTU from the next frame on', async () => {
    const h = harness();
    h.s.start();
    const a = h.s.send({ kind: 'data', bytes: new Uint8Array(40) });
    await a;
    h.s.setMtu(247);
    await h.s.send({ kind: 'data', bytes: new Uint8Array(200) });
    expect(countedFrames(h.written).map((f) => f.payload.length)).toEqual([17, 17, 7, 201]);
    expect(() => h.s.setMtu(22)).toThrow(RangeError);
  });
});

describe('credit flow control', () => {
  it('holds the 17th frame until a CREDIT arrives', async () => {
    const h = harness();
    h.s.start();
    const done: number[] = [];
    const sends = Array.from({ length: 20 }, (_, i) => h.s.send({ kind: 'text', text: `m${i}` }).then(() => done.push(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(countedFrames(h.written)).toHaveLength(WINDOW);
    expect(done).toHaveLength(WINDOW);
    expect(h.s.sendWindow).toBe(0);
    h.s.receive(encodeCredit(1));
    expect(countedFrames(h.written)).toHaveLength(WINDOW + 1);
    h.s.receive(encodeCredit(4));
    expect(countedFrames(h.written)).toHaveLength(20);
    await Promise.all(sends);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(countedFrames(h.written).map((f) => new TextDecoder().decode(f.payload.subarray(1)))).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(h.s.sendWindow).toBe(0);
  });

  it('ignores a stale CREDIT and counts one for frames never sent', async () => {
    const h = harness();
    h.s.start();
    for (let i = 0; i < 24; i++) void h.s.send({ kind: 'data', bytes: Uint8Array.of(i) });
    expect(countedFrames(h.written)).toHaveLength(16);
    h.s.receive(encodeCredit(6));
    expect(countedFrames(h.written)).toHaveLength(22);
    h.s.receive(encodeCredit(3)); // late duplicate: harmless
    h.s.receive(encodeCredit(6));
    expect(countedFrames(h.written)).toHaveLength(22);
    expect(h.s.sendWindow).toBe(0);
    expect(h.s.stats.bad).toBe(0);
    h.s.receive(encodeCredit(30)); // more than was ever sent
    expect(h.s.stats.bad).toBe(1);
    expect(countedFrames(h.written)).toHaveLength(22);
    h.s.receive(encodeCredit(8));
    expect(countedFrames(h.written)).toHaveLength(24);
    h.s.close();
  });

  it('keeps its window across the u16 wrap of CREDIT totals', async () => {
    const h = harness({ maxQueued: 100 });
    h.s.start();
    // 65,540 frames would take long; drive the totals by sending and crediting in steps.
    let credited = 0;
    for (let batch = 0; batch < 4100; batch++) {
      const sends = Array.from({ length: 16 }, () => h.s.send({ kind: 'data', bytes: Uint8Array.of(1) }));
      await Promise.all(sends);
      credited = (credited + 16) & 0xffff;
      h.s.receive(encodeCredit(credited));
      expect(h.s.sendWindow).toBe(16);
      h.written.length = 0;
    }
    expect(credited).toBe((4100 * 16) & 0xffff);
    expect(h.s.stats.bad).toBe(0);
    // An older total just behind the wrap is still stale.
    h.s.receive(encodeCredit((credited - 5) & 0xffff));
    expect(h.s.sendWindow).toBe(16);
  });

  it('sends CREDIT after every 4 counted frames consumed, not link frames', () => {
    const h = harness();
    const peer = new PeerTx();
    h.s.start();
    h.written.length = 0;
    for (let i = 0; i < 3; i++) for (const v of peer.text(`x${i}`)) h.s.receive(v);
    h.s.receive(encodeCredit(0));
    expect(credits(h.written)).toEqual([]);
    for (const v of peer.text('x3')) h.s.receive(v);
    expect(credits(h.written)).toEqual([4]);
    // Four frames in one value earn one CREDIT.
    const two = peer.message(MessageType.DATA, new Uint8Array(60));
    expect(two).toHaveLength(4);
    h.s.receive(Uint8Array.from(two.flatMap((f) => Array.from(f))));
    expect(credits(h.written)).toEqual([4, 8]);
  });

  it('sends CREDIT on the timer while frames stay unacknowledged', () => {
    vi.useFakeTimers();
    const h = harness({ creditIntervalMs: 100 });
    const peer = new PeerTx();
    h.s.start();
    h.written.length = 0;
    vi.advanceTimersByTime(250);
    expect(credits(h.written)).toEqual([]);
    for (const v of peer.text('a')) h.s.receive(v);
    expect(credits(h.written)).toEqual([]);
    // The timer ticks every 100 ms from start(): the next tick, at 300 ms, acknowledges the frame.
    vi.advanceTimersByTime(49);
    expect(credits(h.written)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(credits(h.written)).toEqual([1]);
    vi.advanceTimersByTime(500);
    expect(credits(h.written)).toEqual([1]);
    h.s.close();
    for (const v of peer.text('b')) h.s.receive(v);
    vi.advanceTimersByTime(500);
    expect(credits(h.written)).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

/** A transport that sends when told: `done` counts the session's writes the air has taken. */
class FakeOutbound implements OutboundProgress {
  done = 0;
  private readonly listeners = new Set<() => void>();
  onDone(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  send(n: number): void {
    this.done += n;
    for (const l of [...this.listeners]) l();
  }
  get listening(): number {
    return this.listeners.size;
  }
}

/** One value holding `n` PINGs, as a rogue packs them (PROTOCOL.md 3: a value holds whole frames). */
function pingValue(n: number, mtu: number): Uint8Array {
  const one = encodeLinkFrame(MessageType.PING, Uint8Array.of(1, 2, 3, 4));
  const count = Math.min(n, Math.floor(Math.min(mtu - 3, 512) / one.length));
  return Uint8Array.from({ length: count * one.length }, (_, i) => one[i % one.length]!);
}

describe('what a link keeps in flight (PROTOCOL.md 4, 5)', () => {
  it('answers one PING of a value packed with them; the rest are bad input and a flood', () => {
    const h = harness({ mtu: 517 });
    const floods: (string | null)[] = [];
    h.s.on('flooding', (r) => floods.push(r));
    const value = pingValue(63, 517);
    expect(decodeValue(value).frames).toHaveLength(63);
    h.s.receive(value);
    expect(h.written.filter((v) => v[3] === MessageType.PONG)).toHaveLength(1);
    expect(h.s.stats.bad).toBe(62);
    expect(h.bads.every((b) => b === 'PING while its PONG is still in flight')).toBe(true);
    expect(floods).toHaveLength(1);
    expect(floods[0]).toMatch(/^flooding: /);
    expect(h.s.flooding).toBe(true);
    h.s.close();
  });

  it('keeps one PONG in flight: a PING while the last PONG waits is refused, the next after it went is answered', () => {
    const out = new FakeOutbound();
    const h = harness({ outbound: out });
    h.s.start();
    out.send(1); // CREDIT 0
    const pongs = (): number => h.written.filter((v) => v[3] === MessageType.PONG).length;
    h.s.receive(pingValue(1, 23));
    expect(pongs()).toBe(1);
    for (let i = 0; i < 5; i++) h.s.receive(pingValue(1, 23));
    expect(pongs()).toBe(1);
    expect(h.s.stats.bad).toBe(5);
    expect(h.s.inFlight).toBe(1);
    out.send(1);
    h.s.receive(pingValue(1, 23));
    expect(pongs()).toBe(2);
    expect(h.s.stats.bad).toBe(5);
    h.s.close();
    expect(out.listening).toBe(0);
  });

  it('a flood ends after a calm spell, and says so', () => {
    vi.useFakeTimers();
    const out = new FakeOutbound();
    const h = harness({ outbound: out, creditIntervalMs: 100 });
    const floods: (string | null)[] = [];
    h.s.on('flooding', (r) => floods.push(r));
    h.s.start();
    for (let i = 0; i < 30; i++) h.s.receive(pingValue(1, 23));
    expect(floods).toHaveLength(1);
    h.clock.t += FLOOD_CALM_MS - 1;
    vi.advanceTimersByTime(100);
    expect(floods).toHaveLength(1);
    h.clock.t += 1;
    vi.advanceTimersByTime(100);
    expect(floods).toEqual([floods[0], null]);
    expect(h.s.flooding).toBe(false);
    h.s.close();
  });

  it('keeps one CREDIT in flight; the newer total follows when the older has gone', () => {
    const out = new FakeOutbound();
    const h = harness({ outbound: out });
    const peer = new PeerTx();
    h.s.start();
    expect(credits(h.written)).toEqual([0]);
    for (let i = 0; i < 8; i++) for (const v of peer.text(`x${i}`)) h.s.receive(v);
    expect(credits(h.written)).toEqual([0]);
    out.send(1);
    expect(credits(h.written)).toEqual([0, 8]);
    expect(h.bads).toEqual([]);
    h.s.close();
  });

  it('keeps at most framesAhead counted frames in the transport, so a PING waits behind those alone (PROTOCOL.md 5)', () => {
    const out = new FakeOutbound();
    const h = harness({ outbound: out, framesAhead: 2 });
    h.s.start();
    out.send(1); // CREDIT 0 has gone
    for (let i = 0; i < 6; i++) void h.s.send({ kind: 'text', text: `m${i}` });
    expect(countedFrames(h.written)).toHaveLength(2);
    h.s.ping(Uint8Array.of(7));
    expect(h.s.inFlight).toBe(3);
    out.send(1);
    expect(countedFrames(h.written)).toHaveLength(3);
    // The second frame and the ping went: one frame left in the transport, so one more may join it.
    out.send(2);
    expect(countedFrames(h.written)).toHaveLength(4);
    h.s.setFramesAhead(WINDOW);
    expect(countedFrames(h.written)).toHaveLength(6);
    expect(h.s.framesAhead).toBe(WINDOW);
    h.s.setFramesAhead(0);
    expect(h.s.framesAhead).toBe(1);
    h.s.close();
  });

  it('refuses a ping once MAX_IN_FLIGHT values are in flight', async () => {
    const out = new FakeOutbound();
    const h = harness({ outbound: out });
    h.s.start();
    for (let i = 0; i < WINDOW; i++) void h.s.send({ kind: 'data', bytes: Uint8Array.of(i) });
    for (let i = 0; i < MAX_IN_FLIGHT - WINDOW - 1; i++) h.s.ping(Uint8Array.of(i));
    expect(h.s.inFlight).toBe(MAX_IN_FLIGHT);
    expect(() => h.s.ping(Uint8Array.of(9))).toThrow(SessionError);
    out.send(1);
    expect(() => h.s.ping(Uint8Array.of(9))).not.toThrow();
    h.s.close();
  });

  it('drops a peer that sends past its credit, with the reason', () => {
    const out = new FakeOutbound();
    const h = harness({ outbound: out });
    const peer = new PeerTx();
    h.s.start();
    out.send(1);
    // The newest CREDIT the hub wrote is 4 (8, 12 and 16 wait for it to go): the Pico may have sent 20 frames.
    for (let i = 0; i < WINDOW + 4; i++) h.s.receive(peer.text(`m${i}`)[0]!);
    expect(credits(h.written)).toEqual([0, 4]);
    expect(h.messages).toHaveLength(WINDOW + 4);
    expect(h.s.closed).toBe(false);
    h.s.receive(peer.text('one too many')[0]!);
    expect(h.s.closed).toBe(true);
    expect(h.errors).toHaveLength(1);
    expect((h.errors[0] as SessionError).code).toBe('protocol');
    expect(h.errors[0]!.message).toMatch(/ignored flow control/);
    expect(h.bads).toHaveLength(1);
    expect(h.messages).toHaveLength(WINDOW + 4);
  });

  it('takes a full window in one value, and drops the frame past it', () => {
    const h = harness();
    const peer = new PeerTx();
    h.s.start();
    const frames = Array.from({ length: WINDOW + 1 }, (_, i) => peer.text(`m${i}`)[0]!);
    h.s.receive(Uint8Array.from(frames.flatMap((f) => Array.from(f))));
    expect(h.messages).toHaveLength(WINDOW);
    expect(h.s.closed).toBe(true);
    expect((h.errors[0] as SessionError).code).toBe('protocol');
  });
});

describe('bad input (PROTOCOL.md 6)', () => {
  /** Feeds values, then checks the reasons counted and that a good message still gets through. */
  function expectBad(h: Harness, peer: PeerTx, values: Uint8Array[], reasons: RegExp[], delivered = 0): void {
    const before = h.messages.length + delivered;
    for (const v of values) expect(() => h.s.receive(v)).not.toThrow();
    expect(h.bads).toHaveLength(reasons.length);
    reasons.forEach((r, i) => expect(h.bads[i]).toMatch(r));
    expect(h.s.stats.bad).toBe(reasons.length);
    expect(h.messages.length).toBe(before);
    for (const v of peer.text('still works')) h.s.receive(v);
    expect(h.messages.at(-1)).toEqual({ kind: 'text', text: 'still works' });
    expect(h.s.stats.bad).toBe(reasons.length);
    expect(h.errors).toEqual([]);
  }

  it('a length past the end of the value drops the rest, keeping whole frames before it', () => {
    const h = harness();
    const peer = new PeerTx();
    const good = peer.text('kept')[0]!;
    const value = Uint8Array.from([...good, 0xc0 | peer.seq, 0x0a, 0x00, 0x01, 0x41]);
    expectBad(h, peer, [value], [/length past the end/], 1);
    expect(h.messages[0]).toEqual({ kind: 'text', text: 'kept' });
  });

  it('L = 0', () => {
    const h = harness();
    expectBad(h, new PeerTx(), [hex('c0 00 00')], [/L = 0/]);
  });

  it('a header cut short', () => {
    const h = harness();
    expectBad(h, new PeerTx(), [hex('c0 01')], [/header/]);
  });

  it('a SEQ gap drops the message being reassembled and counts once', () => {
    const h = harness();
    const peer = new PeerTx();
    const frames = peer.message(MessageType.DATA, new Uint8Array(60)); // 4 frames
    expectBad(h, peer, [frames[0]!, frames[1]!, frames[3]!], [/SEQ gap: expected 2, got 3/]);
  });

  it('a SEQ gap before a START loses only the missing message', () => {
    const h = harness();
    const peer = new PeerTx();
    peer.text('lost');
    for (const v of peer.text('after')) h.s.receive(v);
    expect(h.messages).toEqual([{ kind: 'text', text: 'after' }]);
    expect(h.bads).toEqual(['SEQ gap: expected 0, got 1']);
  });

  it('a continuation without START', () => {
    const h = harness();
    const peer = new PeerTx();
    const v = encodeFrame(END, peer.seq, text('orphan'));
    peer.seq++;
    expectBad(h, peer, [v], [/continuation without START/]);
  });

  it('a START inside a message drops the first and keeps the second', () => {
    const h = harness();
    const peer = new PeerTx();
    const first = peer.message(MessageType.TEXT, new Uint8Array(40));
    // SEQ runs on unbroken: a START where the first message's continuation belongs.
    peer.seq = 3;
    const values = [first[0]!, encodeFrame(START, 1, Uint8Array.of(MessageType.TEXT, 0x41)), encodeFrame(END, 2, Uint8Array.of(0x42))];
    expectBad(h, peer, values, [/START inside a message/], 1);
    expect(h.messages).toEqual([
      { kind: 'text', text: 'AB' },
      { kind: 'text', text: 'still works' },
    ]);
  });

  it('a message over the limit counts once, however many frames it has', () => {
    const h = harness({ maxMessage: 100 });
    const peer = new PeerTx();
    for (const v of peer.message(MessageType.DATA, new Uint8Array(100))) h.s.receive(v);
    expect(h.messages).toHaveLength(1);
    const over = peer.message(MessageType.DATA, new Uint8Array(101));
    expect(over).toHaveLength(6);
    expectBad(h, peer, over, [/over 100 octets/]);
  });

  it('invalid UTF-8 in TEXT', () => {
    const h = harness();
    const peer = new PeerTx();
    expectBad(h, peer, peer.message(MessageType.TEXT, hex('ff fe 41')), [/invalid UTF-8/]);
  });

  it('unknown types, counted and link', () => {
    const h = harness();
    const peer = new PeerTx();
    expectBad(
      h,
      peer,
      [...peer.message(0x05, text('x')), ...peer.message(0x30, text('y')), ...peer.message(MessageType.INFO_REQ, new Uint8Array(0)), encodeLinkFrame(0x1f, text('z'))],
      [/0x05/, /0x30/, /INFO_REQ/, /0x1f/],
    );
  });

  it('malformed link frames and INFO', () => {
    const h = harness();
    const peer = new PeerTx();
    expectBad(
      h,
      peer,
      [encodeLinkFrame(MessageType.CREDIT, hex('01')), encodeLinkFrame(MessageType.PONG, hex('01 02')), ...peer.message(MessageType.INFO, text('{not json')), ...peer.message(MessageType.INFO, text('[1]'))],
      [/CREDIT/, /PONG/, /INFO is not JSON/, /not a JSON object/],
    );
  });

  it('a listener that throws becomes an error event, and receive() still does not throw', () => {
    const h = harness();
    const peer = new PeerTx();
    h.s.on('message', () => {
      throw new Error('listener broke');
    });
    for (const v of peer.text('a')) expect(() => h.s.receive(v)).not.toThrow();
    expect(h.errors.map((e) => e.message)).toEqual(['listener broke']);
    expect(h.messages).toHaveLength(1);
    expect(h.s.closed).toBe(false);
  });

  it('survives 5,000 random values without throwing, and still works after', () => {
    // mulberry32: a seeded generator, so a failure can be replayed.
    let seed = 0x5eed1234;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const byte = (): number => Math.floor(rand() * 256);
    const h = harness({ maxMessage: 64 });
    h.s.start();
    for (let i = 0; i < 12; i++) void h.s.send({ kind: 'data', bytes: new Uint8Array(30) }).catch(() => {});
    const peer = new PeerTx();
    for (let i = 0; i < 5000; i++) {
      let value: Uint8Array;
      const kind = rand();
      if (kind < 0.3) {
        value = Uint8Array.from({ length: Math.floor(rand() * 24) }, byte);
      } else if (kind < 0.6) {
        // A plausible header with random flags, SEQ, type and length: reaches the deeper paths.
        const len = Math.floor(rand() * 20);
        const types = [0x00, 0x01, 0x10, 0x11, 0x12, 0x1f, 0x20, 0x21, 0x23, 0x24, byte()];
        value = Uint8Array.from([byte(), len, rand() < 0.9 ? 0 : byte(), types[Math.floor(rand() * types.length)]!, ...Array.from({ length: Math.floor(rand() * 20) }, byte)]);
      } else {
        const frames = peer.message(rand() < 0.5 ? MessageType.TEXT : MessageType.DATA, Uint8Array.from({ length: Math.floor(rand() * 80) }, byte));
        const drop = rand() < 0.3 ? Math.floor(rand() * frames.length) : -1;
        value = Uint8Array.from(frames.filter((_, j) => j !== drop).flatMap((f) => Array.from(f)));
      }
      expect(() => h.s.receive(value)).not.toThrow();
    }
    expect(h.errors).toEqual([]);
    expect(h.s.closed).toBe(false);
    expect(h.s.stats.bad).toBeGreaterThan(1000);
    expect(h.s.stats.messagesIn).toBeGreaterThan(100);
    // Whatever SEQ it expects now, a START resynchronises it.
    const count = h.messages.length;
    h.s.receive(encodeFrame(START | END, 63, Uint8Array.of(MessageType.TEXT, ...text('alive'))));
    expect(h.messages.length).toBe(count + 1);
    expect(h.messages.at(-1)).toEqual({ kind: 'text', text: 'alive' });
  });
});

describe('info and throughput', () => {
  it('requests INFO and emits its JSON', () => {
    const h = harness();
    h.s.start();
    h.s.requestInfo();
    expect(h.written.map(toHex)).toEqual([CREDIT_0, 'c0 01 00 20']);
    const infos: Record<string, unknown>[] = [];
    h.s.on('info', (i) => infos.push(i));
    const info = { name: 'pico-a', firmware: '0.1.0', micropython: '1.27.0', mtu: 23, heap_free: 123456, uptime_ms: 98765, interval_us: null, bad: 2 };
    const peer = new PeerTx();
    for (const v of peer.message(MessageType.INFO, text(JSON.stringify(info)))) h.s.receive(v);
    expect(infos).toEqual([info]);
    expect(h.bads).toEqual([]);
  });

  it('measures a throughput run', () => {
    const h = harness();
    h.s.start();
    const results: ThroughputResult[] = [];
    h.s.on('throughput', (r) => results.push(r));
    h.s.requestThroughput(100);
    expect(toHex(h.written.at(-1)!)).toBe('c0 05 00 22 64 00 00 00');
    expect(() => h.s.requestThroughput(10)).toThrow(expect.objectContaining({ code: 'busy' }));
    expect(() => h.s.requestThroughput(10)).toThrow(SessionError);
    const peer = new PeerTx();
    // As link.py streams it: bodies of room - 1 octets, one message per frame.
    let sent = 0;
    while (sent < 100) {
      const k = Math.min(framePayloadRoom(23) - 1, 100 - sent);
      for (const v of peer.message(MessageType.THROUGHPUT_DATA, new Uint8Array(k))) h.s.receive(v);
      sent += k;
      h.clock.t += 5;
    }
    h.clock.t += 5;
    for (const v of peer.message(MessageType.THROUGHPUT_DONE, Uint8Array.from([...u32Bytes(100), ...u32Bytes(33)]))) h.s.receive(v);
    expect(results).toEqual([{ octets: 100, firmwareOctets: 100, firmwareMs: 33, hubMs: 40, bytesPerSecond: 2500 }]);
    expect(h.s.throughputRunning).toBe(false);
    // Unrequested results are counted, not reported.
    for (const v of peer.message(MessageType.THROUGHPUT_DONE, new Uint8Array(8))) h.s.receive(v);
    expect(results).toHaveLength(1);
    expect(h.bads).toEqual(['THROUGHPUT_DONE without a request']);
    h.s.requestThroughput(0);
    expect(h.s.throughputRunning).toBe(true);
    expect(() => h.s.requestThroughput(-1)).toThrow(RangeError);
  });

  it('asks for at most `ahead` frames unacknowledged (PROTOCOL.md 4, golden example), and credits every frame while ahead is 2', () => {
    const h = harness();
    h.s.start();
    // Five counted frames first, so the request is the link's sixth, as in PROTOCOL.md's example.
    for (let i = 0; i < 5; i++) void h.s.send({ kind: 'text', text: `${i}` });
    h.s.requestThroughput(100_000, 2);
    expect(toHex(h.written.at(-1)!)).toBe('c5 06 00 22 a0 86 01 00 02');
    expect(() => h.s.requestThroughput(1, 2)).toThrow(SessionError);
    const peer = new PeerTx();
    const before = credits(h.written).length;
    for (let i = 0; i < 3; i++) h.s.receive(peer.message(MessageType.THROUGHPUT_DATA, new Uint8Array(10))[0]!);
    // One CREDIT per frame heard: with 2 ahead, waiting for 4 would leave the Pico idle until the 100 ms repeat.
    expect(credits(h.written).slice(before)).toEqual([1, 2, 3]);
    for (const v of peer.message(MessageType.THROUGHPUT_DONE, Uint8Array.from([...u32Bytes(30), ...u32Bytes(5)]))) h.s.receive(v);
    // The run is over: CREDIT every 4 frames again (DONE and three TEXT frames).
    expect(credits(h.written).slice(before)).toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) h.s.receive(peer.text(`t${i}`)[0]!);
    expect(credits(h.written).slice(before)).toEqual([1, 2, 3, 7]);
    expect(h.bads).toEqual([]);
  });

  it('sends the 4-octet request without ahead, and refuses an ahead outside 1..16', () => {
    const h = harness();
    h.s.start();
    expect(() => h.s.requestThroughput(10, 0)).toThrow(RangeError);
    expect(() => h.s.requestThroughput(10, WINDOW + 1)).toThrow(RangeError);
    expect(h.s.throughputRunning).toBe(false);
    h.s.requestThroughput(10);
    expect(toHex(h.written.at(-1)!)).toBe('c0 05 00 22 0a 00 00 00');
  });

  it('abandons a run whose data stops coming, so another can start', () => {
    vi.useFakeTimers();
    try {
      const h = harness({ creditIntervalMs: 100 });
      h.s.start();
      const stalled: string[] = [];
      h.s.on('throughput-stalled', (why) => stalled.push(why));
      h.s.requestThroughput(1000);
      const peer = new PeerTx();
      for (const v of peer.message(MessageType.THROUGHPUT_DATA, new Uint8Array(10))) h.s.receive(v);
      h.clock.t += THROUGHPUT_STALL_MS - 100;
      vi.advanceTimersByTime(200);
      expect(stalled).toEqual([]);
      h.clock.t += 200;
      vi.advanceTimersByTime(200);
      expect(stalled).toEqual([`no throughput data for ${THROUGHPUT_STALL_MS / 1000} s after 10 octets; the run was abandoned`]);
      expect(h.s.throughputRunning).toBe(false);
      h.s.requestThroughput(10);
      expect(h.s.throughputRunning).toBe(true);
      h.s.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('closing', () => {
  it('a write that throws closes the session and emits write-failed', async () => {
    let calls = 0;
    const h = harness({
      write: () => {
        if (++calls === 3) throw new Error('link gone');
      },
    });
    h.s.start();
    for (let i = 0; i < 20; i++) void h.s.send({ kind: 'text', text: 'x' }).catch(() => {});
    expect(h.s.closed).toBe(true);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toBeInstanceOf(SessionError);
    expect((h.errors[0] as SessionError).code).toBe('write-failed');
    expect(h.errors[0]!.message).toMatch(/link gone/);
    await expect(h.s.send({ kind: 'text', text: 'late' })).rejects.toMatchObject({ code: 'closed' });
    expect(calls).toBe(3);
    expect(h.s.stats.framesOut).toBe(2);
  });

  it('a write that throws inside receive() is reported, not thrown', async () => {
    const h = harness({
      write: () => {
        throw new Error('gone');
      },
    });
    const peer = new PeerTx();
    const pending = h.s.send({ kind: 'text', text: 'queued before start' });
    for (let i = 0; i < 4; i++) for (const v of peer.text(`${i}`)) expect(() => h.s.receive(v)).not.toThrow();
    expect(h.s.closed).toBe(true);
    expect(h.errors.map((e) => (e as SessionError).code)).toEqual(['write-failed']);
    await expect(pending).rejects.toMatchObject({ code: 'write-failed' });
    // Without an 'error' listener it is still not thrown.
    const s = new PicoLinkSession({ mtu: 23, write: () => { throw new Error('gone'); } });
    expect(() => s.start()).not.toThrow();
    expect(s.closed).toBe(true);
  });

  it('close() rejects pending sends, is idempotent, and stops everything', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.s.start();
    const sends = Array.from({ length: 18 }, () => h.s.send({ kind: 'data', bytes: new Uint8Array(1) }));
    const results = Promise.allSettled(sends);
    h.s.close();
    h.s.close();
    const settled = await results;
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(16);
    const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.map((r) => (r.reason as SessionError).code)).toEqual(['closed', 'closed']);
    const n = h.written.length;
    h.s.ping(Uint8Array.of(1));
    h.s.requestInfo();
    h.s.receive(hex('c0 03 00 10 aa bb'));
    vi.advanceTimersByTime(1000);
    expect(h.written.length).toBe(n);
    await expect(h.s.send({ kind: 'text', text: 'x' })).rejects.toMatchObject({ code: 'closed' });
    expect(h.s.closed).toBe(true);
  });

  it('refuses bodies over the limit and sends past the queue bound', async () => {
    const h = harness({ maxQueued: 2 });
    await expect(h.s.send({ kind: 'data', bytes: new Uint8Array(4097) })).rejects.toMatchObject({ code: 'too-long' });
    const a = h.s.send({ kind: 'text', text: 'a' });
    const b = h.s.send({ kind: 'text', text: 'b' });
    await expect(h.s.send({ kind: 'text', text: 'c' })).rejects.toMatchObject({ code: 'queue-full' });
    expect(() => h.s.requestInfo()).toThrow(expect.objectContaining({ code: 'queue-full' }));
    expect(h.written).toEqual([]); // nothing goes before start()
    h.s.start();
    await Promise.all([a, b]);
    expect(countedFrames(h.written)).toHaveLength(2);
    await expect(h.s.sendControl(MessageType.PING, new Uint8Array(0))).rejects.toThrow(RangeError);
  });
});

/**
 * A tiny Pico for loopback: consumes what the hub writes, credits it every 4 frames as link.py
 * does, and echoes every message within the hub's credit. Values travel asynchronously, like
 * notifications, so neither side is re-entered.
 */
class LoopbackPico {
  private readonly tx = new PeerTx();
  private rxSeq = 0;
  private consumed = 0;
  private creditSent = 0;
  private granted = WINDOW;
  private sent = 0;
  private parts: number[] | null = null;
  private readonly outbox: Uint8Array[] = [];
  bad = 0;
  hub!: PicoLinkSession;

  write = (value: Uint8Array): void => {
    const copy = value.slice();
    setImmediate(() => this.feed(copy));
  };

  private feed(value: Uint8Array): void {
    const d = decodeValue(value);
    if (d.error) this.bad++;
    for (const f of d.frames) {
      if (isLinkFrame(f)) {
        if (f.payload[0] === MessageType.CREDIT) {
          this.granted = ((f.payload[1]! | (f.payload[2]! << 8)) + WINDOW) & 0xffff;
          this.flush();
        } else if (f.payload[0] === MessageType.PING) {
          this.deliver(encodePong(f.payload.subarray(1), 0));
        }
        continue;
      }
      this.consumed++;
      if (f.seq !== this.rxSeq) this.bad++;
      this.rxSeq = (f.seq + 1) & SEQ;
      if (f.start) this.parts = [];
      this.parts!.push(...f.payload);
      if (f.end) {
        const m = Uint8Array.from(this.parts!);
        this.parts = null;
        this.outbox.push(...this.tx.message(m[0]!, m.subarray(1)));
      }
    }
    if (this.consumed - this.creditSent >= 4) {
      this.creditSent = this.consumed;
      this.deliver(encodeCredit(this.consumed));
    }
    this.flush();
  }

  private flush(): void {
    while (this.outbox.length > 0 && ((this.granted - this.sent) & 0xffff) > 0) {
      this.sent = (this.sent + 1) & 0xffff;
      this.deliver(this.outbox.shift()!);
    }
  }

  private deliver(value: Uint8Array): void {
    setImmediate(() => this.hub.receive(value));
  }
}

describe('loopback with a fake Pico', () => {
  for (const mtu of [23, 247]) {
    it(`echoes 60 messages in order at ATT_MTU ${mtu}, both sides within their windows`, async () => {
      const pico = new LoopbackPico();
      const hub = new PicoLinkSession({ mtu, write: pico.write, creditIntervalMs: 5 });
      pico.hub = hub;
      const got: LinkMessage[] = [];
      const pongs: number[] = [];
      hub.on('message', (m) => got.push(m));
      hub.on('pong', (p) => pongs.push(p.body[0]!));
      const bads: string[] = [];
      hub.on('bad', (r) => bads.push(r));
      hub.start();
      const expected: LinkMessage[] = Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0 ? { kind: 'text', text: `message ${i} `.repeat(i) } : { kind: 'data', bytes: Uint8Array.from({ length: i * 9 }, (_, j) => (i + j) & 0xff) },
      );
      const sends = expected.map((m) => hub.send(m));
      hub.ping(Uint8Array.of(42));
      await Promise.all(sends);
      await vi.waitFor(() => expect(got).toHaveLength(60), { timeout: 5000, interval: 5 });
      expect(got).toEqual(expected);
      expect(pongs).toEqual([42]);
      expect(bads).toEqual([]);
      expect(pico.bad).toBe(0);
      expect(hub.stats.bad).toBe(0);
      expect(hub.stats.messagesOut).toBe(60);
      expect(hub.stats.messagesIn).toBe(60);
      hub.close();
    });
  }
});
