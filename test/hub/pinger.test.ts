import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_IN_FLIGHT, Pinger, type PingLost, type PingSample } from '../../src-main/hub/latency/pinger.ts';

// Fake timers fake Date too, so Date.now() serves as the injected monotonic clock; `skew` lets a
// test jump that clock without running timers, as an event-loop stall would.
const EPOCH = 1_700_000_000_000;
let skew = 0;

interface Sent {
  seq: number;
  body: Uint8Array;
  at: number;
}

function harness(hz: number, timeoutMs = 1_000, send?: (seq: number, body: Uint8Array) => void) {
  const sent: Sent[] = [];
  const samples: PingSample[] = [];
  const lost: PingLost[] = [];
  const pinger = new Pinger({
    hz,
    timeoutMs,
    now: () => Date.now() + skew,
    wallClock: () => EPOCH + Date.now() + skew,
    send: (seq, body) => {
      sent.push({ seq, body: body.slice(), at: Date.now() + skew });
      send?.(seq, body);
    },
  });
  pinger.on('sample', (s) => samples.push(s));
  pinger.on('lost', (l) => lost.push(l));
  return { pinger, sent, samples, lost };
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  skew = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Pinger rate', () => {
  it('sends at hz pings per second, starting at once', () => {
    const { pinger, sent } = harness(10);
    vi.advanceTimersByTime(0);
    expect(sent.map((s) => s.at)).toEqual([0]);
    vi.advanceTimersByTime(999);
    expect(sent.length).toBe(10);
    expect(sent.map((s) => s.at)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    vi.advanceTimersByTime(1_000);
    expect(sent.length).toBe(20);
    pinger.stop({ flushLost: false });
  });

  it('keeps a fractional period without drift', () => {
    const { pinger, sent } = harness(3);
    vi.advanceTimersByTime(10_000);
    // 0, 333.3, 666.7, ... : 30 slots in [0, 10000) and one at exactly 10000.
    expect(sent.length).toBe(31);
    expect(sent[30]!.at).toBe(10_000);
    pinger.stop({ flushLost: false });
  });

  it('is paused at 0 Hz and follows setRate', () => {
    const { pinger, sent } = harness(0);
    vi.advanceTimersByTime(5_000);
    expect(sent.length).toBe(0);

    pinger.setRate(10);
    vi.advanceTimersByTime(0);
    expect(sent.length).toBe(1); // resumes at once
    vi.advanceTimersByTime(999);
    expect(sent.length).toBe(10);

    pinger.setRate(0);
    vi.advanceTimersByTime(5_000);
    expect(sent.length).toBe(10);

    pinger.setRate(2);
    vi.advanceTimersByTime(2_999);
    expect(sent.length).toBe(10 + 6);
    expect(sent.slice(10).map((s) => s.at - sent[10]!.at)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    pinger.stop({ flushLost: false });
  });

  it('keeps the spacing from the last ping when the rate changes', () => {
    const { pinger, sent } = harness(1);
    vi.advanceTimersByTime(100);
    expect(sent.map((s) => s.at)).toEqual([0]);
    pinger.setRate(5); // next slot 200 ms after the last ping, not 1 s and not at once
    vi.advanceTimersByTime(500);
    expect(sent.map((s) => s.at)).toEqual([0, 200, 400, 600]);
    pinger.stop({ flushLost: false });
  });

  it('rejects rates outside 0..1000 Hz', () => {
    const { pinger } = harness(1);
    for (const bad of [-1, 1000.5, 1001, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => pinger.setRate(bad)).toThrow(RangeError);
    }
    expect(() => pinger.setRate(1000)).not.toThrow();
    expect(() => harness(2000)).toThrow(RangeError);
    pinger.stop({ flushLost: false });
  });

  it('skips the slots missed in a stall instead of bursting', () => {
    const { pinger, sent } = harness(10);
    vi.advanceTimersByTime(250); // pings at 0, 100, 200
    expect(sent.length).toBe(3);
    skew = 1_000; // the clock jumps 1 s while no timer ran
    vi.advanceTimersByTime(50); // the 300 slot fires at (monotonic) 1300
    expect(sent.length).toBe(4);
    expect(sent[3]!.at).toBe(1_300);
    vi.advanceTimersByTime(99);
    expect(sent.length).toBe(4); // no catch-up burst
    vi.advanceTimersByTime(1);
    expect(sent[4]!.at).toBe(1_400); // back on the 100 ms grid
    pinger.stop({ flushLost: false });
  });
});

describe('Pinger frames and pongs', () => {
  it('numbers pings from 0 with an 8-octet body: seq u32 LE + a fixed per-pinger tag', () => {
    const a = harness(10);
    const b = harness(10);
    vi.advanceTimersByTime(250);
    expect(a.sent.map((s) => s.seq)).toEqual([0, 1, 2]);
    for (const s of a.sent) {
      expect(s.body.length).toBe(8);
      expect(u32(s.body, 0)).toBe(s.seq);
    }
    const tag = u32(a.sent[0]!.body, 4);
    expect(a.sent.every((s) => u32(s.body, 4) === tag)).toBe(true);
    expect(u32(b.sent[0]!.body, 4)).not.toBe(tag);
    a.pinger.stop({ flushLost: false });
    b.pinger.stop({ flushLost: false });
  });

  it('turns a matching pong into a sample timed by the injected clock', () => {
    const { pinger, sent, samples } = harness(1);
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(37);
    pinger.onPong(sent[0]!.body, 5_000);
    expect(samples).toEqual([{ seq: 0, sentAt: EPOCH, rttMs: 37, firmwareUs: 5_000, airMs: 32 }]);
    expect(pinger.stats).toEqual({ sent: 1, received: 1, lost: 0, late: 0, foreign: 0, inFlight: 0 });
    pinger.stop({ flushLost: false });
  });

  it('matches out-of-order pongs and gives no air time without a firmware time', () => {
    const { pinger, sent, samples } = harness(10);
    vi.advanceTimersByTime(150);
    pinger.onPong(sent[1]!.body, null);
    pinger.onPong(sent[0]!.body, 1_500);
    expect(samples).toEqual([
      { seq: 1, sentAt: EPOCH + 100, rttMs: 50, firmwareUs: null, airMs: null },
      { seq: 0, sentAt: EPOCH, rttMs: 150, firmwareUs: 1_500, airMs: 148.5 },
    ]);
    pinger.stop({ flushLost: false });
  });

  it('accepts a pong given from inside send', () => {
    let pinger: Pinger | null = null;
    const h = harness(1, 1_000, (_seq, body) => pinger!.onPong(body, 0));
    pinger = h.pinger;
    vi.advanceTimersByTime(5_000);
    expect(h.samples.length).toBe(6);
    expect(h.lost).toEqual([]);
    expect(pinger.stats).toMatchObject({ sent: 6, received: 6, lost: 0, inFlight: 0 });
    pinger.stop({ flushLost: true });
    expect(h.lost).toEqual([]);
  });

  it('ignores and counts foreign pongs, then still matches the real one', () => {
    const { pinger, sent, samples } = harness(1);
    vi.advanceTimersByTime(0);
    const body = sent[0]!.body;
    const otherTag = body.slice();
    otherTag[4] = otherTag[4]! ^ 0xff;
    pinger.onPong(otherTag, 10);
    pinger.onPong(body.subarray(0, 4), 10);
    pinger.onPong(new Uint8Array([...body, 0]), 10);
    const neverSent = body.slice();
    neverSent[0] = 99; // our tag, a seq not handed out
    pinger.onPong(neverSent, 10);
    expect(samples).toEqual([]);
    expect(pinger.stats).toMatchObject({ foreign: 4, late: 0, received: 0, inFlight: 1 });

    // A body inside a larger buffer (as a parsed frame would be) is read at its offset.
    const framed = new Uint8Array(12);
    framed.set(body, 4);
    pinger.onPong(framed.subarray(4), null);
    expect(samples.map((s) => s.seq)).toEqual([0]);
    pinger.stop({ flushLost: false });
  });

  it('counts a duplicate pong as late', () => {
    const { pinger, sent, samples } = harness(1);
    vi.advanceTimersByTime(0);
    pinger.onPong(sent[0]!.body, null);
    pinger.onPong(sent[0]!.body, null);
    expect(samples.length).toBe(1);
    expect(pinger.stats).toMatchObject({ received: 1, late: 1, foreign: 0 });
    pinger.stop({ flushLost: false });
  });
});

describe('Pinger losses', () => {
  it('reports an unanswered ping lost exactly once at timeoutMs, even while paused', () => {
    const { pinger, sent, samples, lost } = harness(1, 300);
    vi.advanceTimersByTime(0);
    pinger.setRate(0);
    vi.advanceTimersByTime(299);
    expect(lost).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(lost).toEqual([{ seq: 0, sentAt: EPOCH, reason: 'timeout' }]);
    vi.advanceTimersByTime(10_000);
    expect(lost.length).toBe(1);

    pinger.onPong(sent[0]!.body, 100); // too late
    expect(samples).toEqual([]);
    expect(pinger.stats).toEqual({ sent: 1, received: 0, lost: 1, late: 1, foreign: 0, inFlight: 0 });
    pinger.stop({ flushLost: true });
    expect(lost.length).toBe(1);
  });

  it('times out each of a stream of pings in order, none twice, none missed', () => {
    const { pinger, sent, lost } = harness(10, 250);
    // Answer the odd ones as they go, 50 ms after each is sent.
    vi.advanceTimersByTime(0);
    for (let step = 0; step < 10; step++) {
      vi.advanceTimersByTime(50);
      const last = sent[sent.length - 1]!;
      if (last.seq % 2 === 1) pinger.onPong(last.body, null);
      vi.advanceTimersByTime(50);
    }
    pinger.setRate(0);
    vi.advanceTimersByTime(1_000);
    expect(lost.map((l) => l.seq)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(lost.every((l) => l.reason === 'timeout')).toBe(true);
    const st = pinger.stats;
    expect(st.sent).toBe(11);
    expect(st.received + st.lost + st.inFlight).toBe(st.sent);
    pinger.stop({ flushLost: false });
  });

  it('counts a ping whose send throws as lost, and keeps pinging', () => {
    let fail = true;
    const { pinger, lost, sent } = harness(10, 1_000, () => {
      if (fail) throw new Error('GATT write failed');
    });
    expect(() => vi.advanceTimersByTime(0)).not.toThrow();
    expect(lost).toEqual([{ seq: 0, sentAt: EPOCH, reason: 'send-failed' }]);
    expect(pinger.stats).toMatchObject({ sent: 0, lost: 1, inFlight: 0 });
    fail = false;
    vi.advanceTimersByTime(100);
    expect(sent.map((s) => s.seq)).toEqual([0, 1]);
    expect(pinger.stats).toMatchObject({ sent: 1, lost: 1, inFlight: 1 });
    vi.advanceTimersByTime(5_000);
    // The failed ping is not reported again as a timeout.
    expect(lost.filter((l) => l.seq === 0).length).toBe(1);
    pinger.stop({ flushLost: false });
  });

  it('keeps in-flight bounded with a long timeout at a high rate', () => {
    const { pinger, lost } = harness(1000, 600_000);
    vi.advanceTimersByTime(4_999); // 5,000 pings
    expect(pinger.stats.inFlight).toBe(MAX_IN_FLIGHT);
    expect(lost.length).toBe(5_000 - MAX_IN_FLIGHT);
    expect(lost[0]).toEqual({ seq: 0, sentAt: EPOCH, reason: 'timeout' });
    pinger.stop({ flushLost: false });
  });
});

describe('Pinger stop', () => {
  it('with flushLost reports every ping in flight as link-down, and leaves no timer', () => {
    const { pinger, sent, lost } = harness(10, 5_000);
    vi.advanceTimersByTime(450);
    pinger.onPong(sent[2]!.body, null);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    pinger.stop({ flushLost: true });
    expect(lost).toEqual(
      [0, 1, 3, 4].map((seq) => ({ seq, sentAt: EPOCH + seq * 100, reason: 'link-down' })),
    );
    expect(pinger.stats).toMatchObject({ sent: 5, received: 1, lost: 4, inFlight: 0 });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(sent.length).toBe(5);
    expect(lost.length).toBe(4);
  });

  it('without flushLost reports nothing, leaves no timer, and stays stopped on setRate', () => {
    const { pinger, sent, lost } = harness(10, 5_000);
    vi.advanceTimersByTime(250);
    pinger.stop({ flushLost: false });
    expect(vi.getTimerCount()).toBe(0);
    pinger.setRate(50);
    vi.advanceTimersByTime(10_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(sent.length).toBe(3);
    expect(lost).toEqual([]);
    pinger.onPong(sent[0]!.body, null);
    expect(pinger.stats.late).toBe(1);
  });

  it('leaves no timer when stopped while paused with pings in flight', () => {
    const { pinger } = harness(10, 5_000);
    vi.advanceTimersByTime(0);
    pinger.setRate(0);
    expect(vi.getTimerCount()).toBe(1); // the timeout timer only
    pinger.stop({ flushLost: true });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Pinger timers', () => {
  it('unrefs its timers so a forgotten pinger never holds the process open', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const pinger = new Pinger({ hz: 10, timeoutMs: 1_000, send: () => {} });
    const timers = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    spy.mockRestore();
    expect(timers.length).toBe(1);
    expect(timers.every((t) => !t.hasRef())).toBe(true);
    pinger.stop({ flushLost: false });
  });
});
