// Bulk ahead of a ping (docs/PROTOCOL.md 5): how many frames the hub lets a sender have on the
// way, from the link's physical limit (Core 5.4 airtime, src-main/hci/airtime.ts).
import { describe, expect, it } from 'vitest';
import { WINDOW } from '../../src-main/hub/protocol/frames.ts';
import { AHEAD_INTERVALS, MIN_FRAMES_AHEAD, framesAhead, linkIntervalMs, linkLimit, linkShape, throughputLimit, valueOctets } from '../../src-main/hub/protocol/bulk-pace.ts';

describe('framesAhead', () => {
  it('covers two connection events at the link capacity: 4 frames at 15 ms, 1M, 27-octet PDUs, ATT_MTU 256', () => {
    // Core 5.4 Vol 6 Part B 2.1, 4.1.1: a 27-octet PDU is (1 + 4 + 2 + 27 + 3) * 8 = 296 us, the empty
    // acknowledgement 80 us, so an exchange is 676 us and 22 fit in 15 ms - T_IFS. A 253-octet
    // value is 4 + 3 + 253 = 260 L2CAP octets, 10 PDUs: 2.2 values per event, 4.4 in two.
    const shape = linkShape(15, 256);
    expect(AHEAD_INTERVALS).toBe(2);
    expect(linkLimit(shape)).toBeCloseTo((2.2 * 253) / 0.015, -2);
    expect(framesAhead(shape)).toBe(4);
  });

  it('is at least MIN_FRAMES_AHEAD, at most the window, and grows with a faster link', () => {
    expect(framesAhead(linkShape(7.5, 517))).toBe(MIN_FRAMES_AHEAD);
    // 17-octet frames at ATT_MTU 23: an event carries more of them than the window allows.
    expect(framesAhead(linkShape(15, 23))).toBe(WINDOW);
    // 2M and 251-octet PDUs: 153.6 kB/s, 4.5 values of 512 octets per 15 ms event, 9 in two.
    expect(framesAhead(linkShape(15, 517, '2M', 251))).toBe(9);
  });

  it('caps a frame at a 512-octet value whatever the MTU (PROTOCOL.md 3)', () => {
    expect(valueOctets(23)).toBe(20);
    expect(valueOctets(517)).toBe(512);
    expect(valueOctets(600)).toBe(512);
  });
});

describe('linkShape and the limit a result is shown beside', () => {
  it('assumes 1M and 27 octets when noble reports neither, and says so', () => {
    expect(linkShape(15, 256)).toEqual({ phy: '1M', intervalMs: 15, attMtu: 256, maxTxOctets: 27, assumed: ['phy', 'data-length'] });
    expect(linkShape(15, 256, '2M', 251).assumed).toEqual([]);
    const l = throughputLimit(linkShape(15, 256), 2);
    expect(l.bytesPerSecond).toBe(linkLimit(linkShape(15, 256)));
    expect(l.ahead).toBe(2);
  });

  it('takes the interval from INFO when the device knows it, else the most the hub asked for (1.25 ms units)', () => {
    expect(linkIntervalMs({ interval_us: 7500 }, 12)).toBe(7.5);
    expect(linkIntervalMs({ interval_us: null }, 12)).toBe(15);
    expect(linkIntervalMs(null, 24)).toBe(30);
  });
});
