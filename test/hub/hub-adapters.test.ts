// The hub over fake nobles in virtual time: what it says about adapters ({ code, hint }, no
// prose), and what its links say when their adapter goes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { Adapter, SCAN_RESUME_MS } from '../../src-main/hub/adapter/adapter.ts';
import { Hub, type AdapterReport } from '../../src-main/hub/hub.ts';
import { PairedDevices } from '../../src-main/hub/store/paired-devices.ts';
import { FakeNoble } from './fake-noble.ts';

const A = 'aa:aa:aa:aa:aa:01';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Hub adapters', () => {
  it('reports adapter states as codes with their data, and its links give the adapter’s condition as their reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'picolink-hub-adapters-'));
    dirs.push(dir);
    const clock = new ManualClock();
    const fake = new FakeNoble();
    const adapter = new Adapter('hci0', fake.noble, { clock, host: { platform: 'linux', execPath: '/usr/bin/node' } });
    const { store: paired } = PairedDevices.load(path.join(dir, 'paired.json'));
    const hub = new Hub({ adapters: [adapter], paired, clock, wallClock: () => 5_000 + clock.now() });
    const reports: AdapterReport[] = [];
    hub.on('adapter', (r) => reports.push(r));
    hub.start();
    await hub.pair(A);
    fake.become('poweredOn');
    clock.advance(SCAN_RESUME_MS);
    fake.hear(A);
    expect(hub.status()[0]).toMatchObject({ address: A, state: 'connecting', adapter: 'hci0' });
    fake.become('unauthorized');
    expect(reports).toEqual([
      { adapter: 'hci0', state: 'poweredOn', code: 'powered-on', hint: {} },
      { adapter: 'hci0', state: 'unauthorized', code: 'unauthorized', hint: { platform: 'linux', setcap: 'sudo setcap cap_net_raw,cap_net_admin+eip /usr/bin/node' } },
    ]);
    expect(hub.status()[0]).toMatchObject({ state: 'waiting', reason: 'Not allowed to use hci0' });
    expect(hub.status()[0]!.lastSeen).toBe(5_000 + SCAN_RESUME_MS);
    await hub.stop();
  });
});
