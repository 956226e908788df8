// A throughput result beside the physical limit of the link it ran on (issue 15 point 6): the
// figure alone says nothing of how close the link came to the best it could do.
import type { DeviceView } from '../../../src-main/ipc/contract.ts';
import { formatRate } from './time.ts';

type Throughput = NonNullable<DeviceView['lastThroughput']>;

export interface ThroughputVersusLimit {
  /** "14.5 kB/s of 18.6 kB/s possible (78%)", or the rate alone when no limit is known. */
  text: string;
  /** Percent of the limit, rounded; null when no limit is known. */
  percent: number | null;
  /** What the limit assumes, for a tooltip. */
  title: string;
}

export function throughputVersusLimit(tp: Throughput): ThroughputVersusLimit {
  const l = tp.limit;
  const rate = formatRate(tp.bytesPerSecond);
  const link = `${l.phy} PHY, ${l.intervalMs} ms interval, ATT_MTU ${l.attMtu}, ${l.maxTxOctets}-octet link-layer packets`;
  const assumed =
    l.assumed.length > 0
      ? ` The adapter's driver does not report the ${l.assumed.map((a) => (a === 'phy' ? 'PHY' : 'data length')).join(' or the ')}: assumed ${l.assumed.map((a) => (a === 'phy' ? '1M' : '27 octets')).join(' and ')}, the Bluetooth defaults; a link that negotiated more can beat this limit.`
      : '';
  if (!(l.bytesPerSecond > 0)) return { text: rate, percent: null, title: `No physical limit known for ${link}.${assumed}` };
  const percent = Math.round((100 * tp.bytesPerSecond) / l.bytesPerSecond);
  return {
    text: `${rate} of ${formatRate(l.bytesPerSecond)} possible (${percent}%)`,
    percent,
    title: `Physical limit from airtime for ${link}.${assumed}`,
  };
}
