// The throughput result beside the link's physical limit (issue 15 point 6).
import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../../src-main/ipc/contract.ts';
import { throughputVersusLimit } from '../../src-renderer/src/lib/throughput.ts';

type Throughput = NonNullable<DeviceView['lastThroughput']>;

const result = (bytesPerSecond: number, limit: Partial<Throughput['limit']> = {}): Throughput => ({
  octets: 100_000,
  firmwareOctets: 100_000,
  firmwareMs: 6_000,
  hubMs: 6_100,
  bytesPerSecond,
  limit: { bytesPerSecond: 37_106.7, phy: '1M', intervalMs: 15, attMtu: 256, maxTxOctets: 27, assumed: ['phy', 'data-length'], ahead: 2, ...limit },
});

describe('throughputVersusLimit', () => {
  it('shows "X kB/s of Y kB/s possible (Z%)"', () => {
    const v = throughputVersusLimit(result(16_480));
    expect(v.text).toBe('16.5 kB/s of 37.1 kB/s possible (44%)');
    expect(v.percent).toBe(44);
  });

  it('says in the tooltip what the limit is for, and what it assumed because the adapter did not say', () => {
    const v = throughputVersusLimit(result(16_480));
    expect(v.title).toContain('1M PHY, 15 ms interval, ATT_MTU 256, 27-octet link-layer packets');
    expect(v.title).toContain('does not report the PHY or the data length: assumed 1M and 27 octets');
    const known = throughputVersusLimit(result(100_000, { phy: '2M', maxTxOctets: 251, assumed: [], bytesPerSecond: 153_600 }));
    expect(known.text).toBe('100.0 kB/s of 153.6 kB/s possible (65%)');
    expect(known.title).not.toContain('assumed');
    expect(throughputVersusLimit(result(1, { assumed: ['data-length'] })).title).toContain('does not report the data length: assumed 27 octets');
  });

  it('shows the rate alone when no limit is known (nothing fits the interval)', () => {
    const v = throughputVersusLimit(result(812, { bytesPerSecond: 0 }));
    expect(v).toMatchObject({ text: '812 B/s', percent: null });
  });
});
