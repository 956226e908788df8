import { describe, expect, it } from 'vitest';
import { T_IFS_US, eventBudgetUs, exchangeUs, linkCapacity, pduAirtimeUs } from '../../src-main/hci/airtime.ts';

// Figures computed by hand from the packet formats; each test names the section it follows.
describe('pduAirtimeUs (Core 5.4 Vol 6 Part B 2.1, 2.2, 2.4)', () => {
  it('1M: (preamble 1 + access address 4 + header 2 + payload + CRC 3) octets at 8 us (2.1)', () => {
    expect(pduAirtimeUs('1M', 0)).toBe(80); // empty PDU: 10 octets
    expect(pduAirtimeUs('1M', 27)).toBe(296); // 37 octets
    expect(pduAirtimeUs('1M', 251)).toBe(2088); // 261 octets
  });

  it('adds the 4-octet MIC to encrypted non-empty PDUs only (2.4): the 328 us and 2120 us maxima', () => {
    expect(pduAirtimeUs('1M', 27, true)).toBe(328);
    expect(pduAirtimeUs('1M', 251, true)).toBe(2120);
    expect(pduAirtimeUs('1M', 0, true)).toBe(80);
  });

  it('2M: 2-octet preamble, 4 us per octet (2.1.1)', () => {
    expect(pduAirtimeUs('2M', 0)).toBe(44);
    expect(pduAirtimeUs('2M', 27)).toBe(152);
    expect(pduAirtimeUs('2M', 251, true)).toBe(1064);
  });

  it('Coded S=8: 80 + 256 + 16 + 24 us, PDU and CRC at 64 us per octet, TERM2 24 us (2.2): 2704 us for 27 octets + MIC', () => {
    expect(pduAirtimeUs('coded', 0)).toBe(720);
    expect(pduAirtimeUs('coded', 27, true)).toBe(2704);
  });
});

describe('exchangeUs and the event budget (Vol 6 Part B 4.1.1 T_IFS, 4.5.6)', () => {
  it('is central PDU + T_IFS + peripheral PDU + T_IFS', () => {
    expect(T_IFS_US).toBe(150);
    expect(exchangeUs('1M', 27, 0)).toBe(296 + 150 + 80 + 150);
    expect(exchangeUs('2M', 0, 0)).toBe(44 + 150 + 44 + 150);
  });

  it('never lets an event run closer than T_IFS to the next anchor', () => {
    expect(eventBudgetUs(7.5)).toBe(7350);
    expect(eventBudgetUs(7.5, 5000)).toBe(5000);
    expect(eventBudgetUs(7.5, 1e6)).toBe(7350);
  });
});

describe('linkCapacity', () => {
  it('MTU 23 on 1M, 7.5 ms: 11 exchanges of 676 us per event, 20 value octets each = 29,333 B/s', () => {
    // 11 * 676 - 150 = 7286 <= 7350; a 12th would end at 7962.
    const c = linkCapacity({ phy: '1M', intervalMs: 7.5, maxTxOctets: 27, attMtu: 23, op: 'write-without-response' });
    expect(c.pdusPerEvent).toBe(11);
    expect(c.applicationBytesPerSecond).toBeCloseTo((11 * 20) / 0.0075, 6);
    expect(c.llPayloadBytesPerSecond).toBeCloseTo((11 * 27) / 0.0075, 6);
  });

  it('MTU 247 with 27-octet PDUs on 1M, 7.5 ms: about 36 kB/s, near what real Pico Ws measure (36.5 kB/s)', () => {
    // A 251-octet B-frame = 9 x 27 + 8: 9 * 676 + (144 + 150 + 80 + 150) = 6608 us per 244 value octets
    // if events had no end; 11 PDUs per event (2684 value octets per 10 events) = 35,787 B/s.
    const c = linkCapacity({ phy: '1M', intervalMs: 7.5, maxTxOctets: 27, attMtu: 247, op: 'write-without-response' });
    expect(c.pdusPerEvent).toBe(11);
    expect(c.applicationBytesPerSecond).toBeGreaterThan(35_000);
    expect(c.applicationBytesPerSecond).toBeLessThan((244 / 6608) * 1e6 + 1);
  });

  it('is bounded by the controller maximum event length', () => {
    const full = linkCapacity({ phy: '1M', intervalMs: 30, maxTxOctets: 27, attMtu: 23, op: 'notify' });
    const capped = linkCapacity({ phy: '1M', intervalMs: 30, maxTxOctets: 27, attMtu: 23, op: 'notify', maxEventUs: 7350 });
    expect(full.pdusPerEvent).toBe(44); // 44 * 676 - 150 = 29594 <= 29850
    expect(capped.pdusPerEvent).toBe(11);
  });

  it('2M with 251-octet PDUs carries far more than 1M with 27', () => {
    const fast = linkCapacity({ phy: '2M', intervalMs: 7.5, maxTxOctets: 251, attMtu: 247, op: 'write-without-response' });
    // 251 octets on 2M = 1048 us; exchange 1048 + 150 + 44 + 150 = 1392 us; 5 per 7.5 ms event (6810 us).
    expect(fast.pdusPerEvent).toBe(5);
    expect(fast.applicationBytesPerSecond).toBeCloseTo((5 * 244) / 0.0075, 6);
  });
});
