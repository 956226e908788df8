// The adapter driver against a fake noble in virtual time: what it reports, when it scans, the
// one connection creation at a time, a restart, and what it learns from a refusal.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { Adapter, DEFAULT_CONNECT_PARAMS, SCAN_RESUME_MS, type ConnectResult } from '../../src-main/hub/adapter/adapter.ts';
import type { AdapterPower, AdapterStatus, AdapterTransport, HostInfo } from '../../src-main/hub/adapter/adapter-state.ts';
import { FakeNoble } from './fake-noble.ts';

const LINUX: HostInfo = { platform: 'linux', execPath: '/opt/node/bin/node' };

function rig(transport: AdapterTransport = { kind: 'os' }, options: { maxConnections?: number } = {}) {
  const clock = new ManualClock();
  const fake = new FakeNoble();
  const adapter = new Adapter('hci0', fake.noble, { clock, transport, host: LINUX, ...options });
  const reports: [AdapterPower, AdapterStatus][] = [];
  let rooms = 0;
  adapter.on('state', (p, s) => reports.push([p, s]));
  adapter.on('room', () => rooms++);
  adapter.start();
  return { clock, fake, adapter, reports, rooms: () => rooms };
}

/** A rig whose adapter is on and scanning. */
function onRig(...args: Parameters<typeof rig>) {
  const r = rig(...args);
  r.fake.become('poweredOn');
  r.clock.advance(SCAN_RESUME_MS);
  r.fake.calls.length = 0;
  return r;
}

describe('Adapter driver', () => {
  it('reports each noble state as a typed condition, once per change', () => {
    const { fake, reports } = rig();
    fake.become('poweredOff');
    fake.become('poweredOff');
    fake.become('unauthorized');
    fake.become('unsupported');
    fake.become('resetting');
    fake.become('poweredOn');
    fake.become('somethingNew');
    expect(reports).toEqual([
      ['poweredOff', { code: 'powered-off', hint: { platform: 'linux' } }],
      ['unauthorized', { code: 'unauthorized', hint: { platform: 'linux', setcap: 'sudo setcap cap_net_raw,cap_net_admin+eip /opt/node/bin/node' } }],
      ['unsupported', { code: 'unsupported', hint: {} }],
      ['resetting', { code: 'resetting', hint: {} }],
      ['poweredOn', { code: 'powered-on', hint: {} }],
      ['unknown', { code: 'unknown', hint: {} }],
    ]);
  });

  it('words an off UART dongle and an off virtual adapter as what they are', () => {
    const uart = rig({ kind: 'uart', port: '/dev/ttyACM0', baudRate: 1_000_000 });
    uart.fake.become('poweredOff');
    expect(uart.adapter.status).toEqual({ code: 'no-controller', hint: { port: '/dev/ttyACM0', baudRate: 1_000_000 } });
    const sim = rig({ kind: 'sim' });
    sim.fake.become('poweredOff');
    expect(sim.adapter.status).toEqual({ code: 'sim-off', hint: {} });
  });

  it('starts scanning a pause after it comes on, and resumes a pause after each scanStop, never inside it', () => {
    const { clock, fake } = rig();
    fake.become('poweredOn');
    expect(fake.calls).toEqual([]);
    clock.advance(SCAN_RESUME_MS - 1);
    expect(fake.calls).toEqual([]);
    clock.advance(1);
    expect(fake.calls).toEqual(['startScanning']);
    fake.scanStopped();
    expect(fake.calls).toEqual(['startScanning']);
    fake.scanStopped(); // a second stop inside the pause arms nothing more
    clock.advance(SCAN_RESUME_MS);
    expect(fake.calls).toEqual(['startScanning', 'startScanning']);
  });

  it('grants the LE connection creation to one owner at a time, in order, and resumes the scan between', () => {
    const { clock, fake, adapter, rooms } = onRig();
    const granted: string[] = [];
    const a = {};
    const b = {};
    const c = {};
    adapter.requestSlot(a, () => granted.push('a'));
    adapter.requestSlot(b, () => granted.push('b'));
    adapter.requestSlot(c, () => granted.push('c'));
    adapter.requestSlot(a, () => granted.push('a again'));
    expect(granted).toEqual(['a']);
    expect(adapter.hasRoom()).toBe(true);
    fake.scanStopped(); // noble pauses the scan to create a's connection
    clock.advance(1_000); // and it stays paused while the connection is being created
    expect(fake.calls).toEqual([]);
    adapter.releaseSlot(c); // gave up while waiting
    adapter.releaseSlot(a);
    expect(granted).toEqual(['a', 'b']);
    expect(fake.calls).toEqual(['startScanning']);
    expect(rooms()).toBe(1);
    adapter.releaseSlot(b);
    expect(granted).toEqual(['a', 'b']);
    expect(adapter.phase).toEqual({ kind: 'on', scanning: true, holder: null, queue: [] });
  });

  it('runs each input to its end: a grant that gives the slot back at once does not run the next grant inside it', () => {
    const { adapter } = onRig();
    const log: string[] = [];
    const a = {};
    const b = {};
    adapter.requestSlot(b, () => {
      log.push('b granted');
    });
    adapter.releaseSlot(b);
    adapter.requestSlot(a, () => {
      log.push('a granted');
      adapter.releaseSlot(a);
      adapter.requestSlot(b, () => log.push('b granted again'));
      log.push('a returns');
    });
    expect(log).toEqual(['b granted', 'a granted', 'a returns', 'b granted again']);
  });

  it('counts the connection being created against the limit', () => {
    const { adapter } = onRig({ kind: 'os' }, { maxConnections: 2 });
    adapter.addLink('aa:aa:aa:aa:aa:01');
    expect(adapter.hasRoom()).toBe(true);
    adapter.requestSlot({}, () => {});
    expect(adapter.hasRoom()).toBe(false);
  });

  it('learns the connection limit from a refusal, and passes on the typed error', () => {
    const { fake, adapter } = onRig();
    adapter.addLink('aa:aa:aa:aa:aa:01');
    adapter.addLink('aa:aa:aa:aa:aa:02');
    const results: ConnectResult[] = [];
    adapter.connect('aa:aa:aa:aa:aa:03', DEFAULT_CONNECT_PARAMS, (r) => results.push(r));
    fake.answer('aa:aa:aa:aa:aa:03', 'Connection Limit Exceeded (0x9)');
    expect(adapter.limit).toBe(2);
    expect(adapter.hasRoom()).toBe(false);
    expect(results[0]!.error).toMatchObject({ code: 'connection-limit', status: 0x09, message: 'Connection Limit Exceeded (0x09)' });
    adapter.connect('aa:aa:aa:aa:aa:03', DEFAULT_CONNECT_PARAMS, (r) => results.push(r));
    fake.answer('aa:aa:aa:aa:aa:03', 'Connection Failed to be Established (0x3e)');
    expect(adapter.limit).toBe(2);
    expect(results[1]!.error).toMatchObject({ code: 'hci-status', status: 0x3e });
  });

  it('forgets what it heard and its links when it goes off, and takes no slot holder across', () => {
    const { fake, adapter } = onRig();
    fake.hear('aa:aa:aa:aa:aa:01');
    adapter.addLink('aa:aa:aa:aa:aa:01');
    adapter.requestSlot({}, () => {});
    expect(adapter.canReach('aa:aa:aa:aa:aa:01')).toBe(true);
    fake.become('poweredOff');
    expect(adapter.canReach('aa:aa:aa:aa:aa:01')).toBe(false);
    expect(adapter.links.size).toBe(0);
    expect(adapter.hasRoom()).toBe(false);
    expect(adapter.phase).toEqual({ kind: 'down', power: 'poweredOff', wasOn: true, queue: [] });
  });

  it('after the controller restarts, stops noble’s stale scan first and creates no connection until noble confirms', () => {
    const { clock, fake, adapter } = onRig();
    fake.become('poweredOff');
    fake.stopsAtOnce = false;
    fake.become('poweredOn');
    expect(fake.calls).toEqual(['stopScanning']);
    expect(adapter.poweredOn).toBe(true);
    const granted: string[] = [];
    adapter.requestSlot({}, () => granted.push('x'));
    clock.advance(1_000);
    expect(granted).toEqual([]);
    expect(fake.calls).toEqual(['stopScanning']);
    fake.scanStopped();
    expect(granted).toEqual(['x']);
    // The scan waits for the connection being created.
    clock.advance(1_000);
    expect(fake.calls).toEqual(['stopScanning']);
  });

  it('stops noble and its scan, leaves no listener on noble and no timer armed', () => {
    const { clock, fake, adapter } = onRig();
    fake.scanStopped(); // arms the resume
    adapter.stop();
    expect(fake.calls).toEqual(['stop']);
    for (const e of ['stateChange', 'discover', 'scanStop', 'warning']) expect(fake.listenerCount(e), e).toBe(0);
    clock.advance(1_000);
    expect(fake.calls).toEqual(['stop']);
    const scanning = onRig();
    scanning.adapter.stop();
    expect(scanning.fake.calls).toEqual(['stopScanning', 'stop']);
  });
});
