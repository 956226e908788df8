// Broker passwords stay in main: settings.get leaves them out (saying one is kept), and a list
// from the renderer without one keeps the stored password for the same URL and user.
import { describe, expect, it } from 'vitest';
import { keepPasswords, redactSettings, toRemoteView } from '../../src-main/app/remote-devices.ts';
import type { RemoteDeviceStatus } from '../../src-main/mqtt/source.ts';
import type { ThroughputEventLimit } from '../../src-main/mqtt/schemas.ts';
import { DEFAULT_SETTINGS, settingsSchema } from '../../src-main/ipc/contract.ts';

const stored = [
  { url: 'mqtts://broker:8883', prefix: 'picolink', user: 'dash', password: 's3cret' },
  { url: 'mqtt://other:1883', prefix: 'picolink' },
];

describe('broker passwords', () => {
  it('settings.get never carries a password, only whether one is kept', () => {
    const r = redactSettings({ ...DEFAULT_SETTINGS, sources: { adapters: true, brokers: stored } });
    expect(JSON.stringify(r)).not.toContain('s3cret');
    expect(r.sources.brokers.map((b) => b.passwordSet)).toEqual([true, false]);
    expect(settingsSchema.safeParse(r).success).toBe(true);
  });

  it('a broker sent back without a password keeps the stored one; a new one replaces it; another user gets none', () => {
    const [same, changed, otherUser] = keepPasswords(
      [
        { url: 'mqtts://broker:8883', prefix: 'site', user: 'dash', passwordSet: true },
        { url: 'mqtts://broker:8883', prefix: 'picolink', user: 'dash', password: 'new' },
        { url: 'mqtts://broker:8883', prefix: 'picolink', user: 'someone-else', passwordSet: true },
      ],
      stored,
    );
    expect(same).toEqual({ url: 'mqtts://broker:8883', prefix: 'site', user: 'dash', password: 's3cret' });
    expect(changed!.password).toBe('new');
    expect(otherUser).toEqual({ url: 'mqtts://broker:8883', prefix: 'picolink', user: 'someone-else' });
  });

  it('passwordSet: false forgets the stored password', () => {
    expect(keepPasswords([{ url: 'mqtts://broker:8883', prefix: 'p', user: 'dash', passwordSet: false }], stored)[0]).toEqual({ url: 'mqtts://broker:8883', prefix: 'p', user: 'dash' });
  });
});

describe('a remote throughput result', () => {
  const empty: RemoteDeviceStatus['window'] = { count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const device = (limit: ThroughputEventLimit | null): RemoteDeviceStatus => ({
    key: 'A/aa:bb:cc:dd:ee:01',
    hub: 'A',
    online: true,
    state: { hub: 'A', address: 'aa:bb:cc:dd:ee:01', name: 'pico1', state: 'linked', reason: 'linked', fault: null, adapter: 'hci0', profile: 'picolink', rssi: -50, intervalMs: 30, mtu: 247, at: 1 },
    window: empty,
    total: empty,
    lastSeen: 1,
    messagesIn: 0,
    messagesOut: 0,
    lastThroughput: { octets: 20_000, hubMs: 600, bytesPerSecond: 33_000, limitBytesPerSecond: 97_000, limit },
  });

  it('is shown beside the link its hub computed the limit for', () => {
    const limit: ThroughputEventLimit = { phy: '2M', intervalMs: 30, attMtu: 247, maxTxOctets: 251, assumed: [] };
    expect(toRemoteView(device(limit)).lastThroughput!.limit).toEqual({ bytesPerSecond: 97_000, ...limit, ahead: null });
  });

  it('from a hub that leaves the link out, says 1M and 27 octets were assumed', () => {
    expect(toRemoteView(device(null)).lastThroughput!.limit).toMatchObject({ phy: '1M', maxTxOctets: 27, intervalMs: 30, attMtu: 247, assumed: ['phy', 'data-length'] });
  });
});
