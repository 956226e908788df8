// The app's back end on the virtual radio: pairing from the UI, live events, echo, export,
// switching adapters, and a machine without Bluetooth.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Radio } from '../../src-main/radio/radio.ts';
import { ATT_WRITE_NOT_PERMITTED, ScriptedGattPeer } from '../hub/scripted-gatt-peer.ts';
import { refusedUrl } from '../pico/fake-mip-index.ts';
import { startService, type ServiceHarness } from './service-harness.ts';
import { stateOnlyNoble } from './state-only-noble.ts';

let h: ServiceHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('HubService on the simulator', () => {
  it('pairs a Pico from the UI, streams status and samples, echoes a message and exports the log', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'picolink-export-')), 'log.csv');
    h = await startService({ settings: { adapter: { kind: 'sim', picos: 2 }, pingHz: 40 }, chooseFile: async (format) => (format === 'csv' ? out : null) });
    const { call, seen } = h;
    // Nothing is paired for the user: the simulator's Picos show as advertising.
    await expect.poll(() => seen('status').at(-1)?.devices.length, { timeout: 20_000, interval: 20 }).toBe(2);
    const status = await call('hub.status', {});
    expect(status.running).toBe(true);
    expect(status.devices.every((d) => !d.paired && d.state === 'unpaired')).toBe(true);
    expect(status.adapters.map((a) => a.state)).toEqual(['poweredOn']);

    const pico1 = status.devices.find((d) => d.name === 'pico1')!;
    expect(await call('device.pair', { target: 'pico1' })).toEqual({ address: pico1.address });
    await expect.poll(() => seen('state'), { timeout: 20_000, interval: 20 }).toContainEqual(expect.objectContaining({ address: pico1.address, state: 'linked' }));
    await expect.poll(() => seen('samples').flatMap((e) => e.batches).filter((b) => b.address === pico1.address).flatMap((b) => b.samples).length, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(10);
    const samples = seen('samples').flatMap((e) => e.batches).flatMap((b) => b.samples);
    expect(samples.every((s) => s.rttMs === null || s.rttMs > 0)).toBe(true);
    // Batched: fewer events than samples.
    expect(seen('samples').length).toBeLessThan(samples.length);
    await expect.poll(() => seen('status').at(-1)?.devices.find((d) => d.address === pico1.address)?.state, { timeout: 20_000, interval: 20 }).toBe('linked');
    expect(seen('status').at(-1)!.devices.find((d) => d.address === pico1.address)!.paired).toBe(true);

    expect(await call('device.send', { target: pico1.address, body: { kind: 'text', text: 'hello pico' } })).toEqual({ sentTo: [pico1.address] });
    await call('device.send', { target: 'all', body: { kind: 'data', hex: '0001ff' } });
    const entries = () => seen('messages').flatMap((e) => e.batches.flatMap((b) => b.entries));
    await expect.poll(() => entries().filter((m) => m.direction === 'in').length, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    const inbound = entries().filter((m) => m.direction === 'in').map((m) => m.body);
    expect(inbound).toContainEqual({ kind: 'text', text: 'hello pico' });
    expect(inbound).toContainEqual({ kind: 'data', hex: '0001ff' });
    // Message events are batched as samples are: a burst of sends and their echoes comes in one
    // event per ~100 ms tick, however many messages each carries.
    const eventsBefore = seen('messages').length;
    const entriesBefore = entries().length;
    const burstStart = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => call('device.send', { target: pico1.address, body: { kind: 'text', text: `burst ${i}` } })));
    const echoed = () => entries().filter((e) => e.direction === 'in' && e.body.kind === 'text' && e.body.text.startsWith('burst ')).length;
    await expect.poll(echoed, { timeout: 20_000, interval: 20 }).toBe(20);
    await new Promise((r) => setTimeout(r, 150));
    const burstEvents = seen('messages').slice(eventsBefore);
    expect(entries().length - entriesBefore).toBe(40);
    expect(burstEvents.length).toBeLessThanOrEqual(Math.ceil((Date.now() - burstStart) / 100) + 1);
    expect(Math.max(...burstEvents.map((e) => e.batches.reduce((n, b) => n + b.entries.length, 0)))).toBeGreaterThan(1);
    expect(burstEvents.every((e) => e.batches.every((b) => b.dropped === 0))).toBe(true);
    const history = await call('device.history', { address: pico1.address });
    expect(history.entries.map((e) => `${e.direction}:${e.body.kind}`)).toEqual(expect.arrayContaining(['out:text', 'in:text', 'out:data', 'in:data']));

    // Errors reach the caller as messages a user can act on.
    await expect(call('device.send', { target: status.devices.find((d) => d.name === 'pico2')!.address, body: { kind: 'text', text: 'x' } })).rejects.toThrow(/not a paired device/);
    await expect(call('device.pair', { target: 'pico9' })).rejects.toThrow(/No device named pico9/);

    const { chosen } = await call('export.chooseFile', { format: 'csv' });
    expect(chosen).toMatchObject({ file: out, format: 'csv' });
    const result = await call('export.run', { token: chosen!.token, device: pico1.address });
    expect(result).toMatchObject({ file: out, format: 'csv' });
    expect(result.rows).toBeGreaterThan(10);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(result.rows + 1);
    expect(lines.slice(1).every((l) => l.includes(pico1.address))).toBe(true);
    expect(lines.some((l) => l.startsWith('message,') && l.includes('hello pico'))).toBe(true);
    const progress = seen('export.progress');
    expect(progress.at(-1)).toEqual({ rows: result.rows, total: result.rows });

    // --sim is for this run: nothing was written to settings.json.
    expect(existsSync(path.join(h.home, 'settings.json'))).toBe(false);
    expect(existsSync(path.join(h.home, 'paired-sim.json'))).toBe(true);
    expect(existsSync(path.join(h.home, 'paired.json'))).toBe(false);

    await call('device.disconnect', { address: pico1.address });
    expect((await call('hub.status', {})).devices.find((d) => d.address === pico1.address)!.state).toBe('stopped');
    expect(await call('device.unpair', { address: pico1.address })).toEqual({ removed: true });
    expect(JSON.parse(readFileSync(path.join(h.home, 'paired-sim.json'), 'utf8')).devices).toEqual([]);
  });

  it('restarts the hub when the adapter setting changes, and changes the ping rate in place', async () => {
    h = await startService({ settings: { adapter: { kind: 'sim', picos: 1 }, pingHz: 5 } });
    const { call, seen } = h;
    await expect.poll(() => seen('status').at(-1)?.devices.length, { timeout: 20_000, interval: 20 }).toBe(1);
    const first = (await call('hub.status', {})).devices[0]!.address;
    await call('device.pair', { target: first });
    await expect.poll(() => seen('status').at(-1)?.devices[0]?.state, { timeout: 20_000, interval: 20 }).toBe('linked');

    const next = await call('settings.set', { adapter: { kind: 'sim', picos: 2 } });
    expect(next.adapter).toEqual({ kind: 'sim', picos: 2 });
    expect(JSON.parse(readFileSync(path.join(h.home, 'settings.json'), 'utf8')).adapter).toEqual({ kind: 'sim', picos: 2 });
    // The old link was closed on the way down, with its reason.
    const down = seen('state').filter((s) => s.address === first).map((s) => `${s.state}:${s.reason}`);
    expect(down).toEqual(expect.arrayContaining(['disconnecting:hub stopping', 'stopped:disconnected']));
    await expect.poll(() => seen('status').at(-1)?.devices.length, { timeout: 20_000, interval: 20 }).toBe(2);
    const st = await call('hub.status', {});
    expect(st.running).toBe(true);
    // The paired list belongs to the simulator and survives the switch (same first address).
    expect(st.devices.find((d) => d.address === first)?.paired).toBe(true);

    expect((await call('settings.set', { pingHz: 20 })).pingHz).toBe(20);
    expect((await call('hub.status', {})).pingHz).toBe(20);
    await expect(call('settings.set', { pingHz: 500 })).rejects.toThrow(/pingHz/);
    expect((await call('settings.get', {})).pingHz).toBe(20);
  });
});

describe("HubService's simulator and the packages a Pico W has built in", () => {
  it('fetches them for its boards as the CLI does, and says once how to provide them when it cannot', async () => {
    const saved = process.env.PICOLINK_MIP_INDEX;
    process.env.PICOLINK_MIP_INDEX = await refusedUrl();
    try {
      h = await startService({ settings: { adapter: { kind: 'sim', picos: 1 }, pingHz: 10 } });
      await expect.poll(() => h!.seen('notice'), { timeout: 20_000, interval: 20 }).toContainEqual(expect.objectContaining({ level: 'warning', text: expect.stringMatching(/built in: aioble/) }));
      const notice = h.seen('notice').find((n) => /built in: aioble/.test(n.text))!.text;
      // The app has no --lib: the notice points at the cache folder instead.
      expect(notice).not.toMatch(/--lib/);
      expect(notice).toContain(path.join('micropython-lib', '1.27'));
      await expect.poll(() => h!.seen('status').at(-1)?.devices.length ?? 0, { message: 'the board still runs', timeout: 20_000, interval: 20 }).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.PICOLINK_MIP_INDEX;
      else process.env.PICOLINK_MIP_INDEX = saved;
    }
  });
});

describe('HubService with a device whose GATT setup keeps failing', () => {
  it('carries the fault to the UI in state events and status, through the contract', async () => {
    const radio = new Radio();
    const dir = mkdtempSync(path.join(tmpdir(), 'picolink-fault-'));
    const port = path.join(dir, 'dongle');
    radio.addNode({ name: 'dongle' });
    radio.attachPty('dongle', port);
    const peer = await ScriptedGattPeer.start(radio, 'stubborn', { profile: 'tutorial', cccd: true, cccdByType: { octets: 0 }, cccdWriteError: ATT_WRITE_NOT_PERMITTED });
    try {
      h = await startService({ settings: { adapter: { kind: 'uart', port }, pingHz: 5 } });
      const { call, seen } = h;
      await call('device.pair', { target: peer.address });
      const fault = /^GATT setup keeps failing \(3 times\): no Write Response to the CCCD write of 2a6e in 2000 ms/;
      await expect.poll(() => seen('state'), { timeout: 30_000, interval: 20 }).toContainEqual(expect.objectContaining({ address: peer.address, fault: expect.stringMatching(fault) }));
      const events = seen('state').filter((e) => e.address === peer.address);
      const first = events.findIndex((e) => e.fault !== null);
      expect(events[first]).toMatchObject({ state: 'backoff', previous: 'discovering' });
      expect(events[first]!.reason).toBe(events[first]!.fault);
      await expect.poll(() => seen('status').at(-1)?.devices.find((d) => d.address === peer.address)?.fault ?? '', { timeout: 5_000, interval: 20 }).toMatch(fault);
      expect((await call('hub.status', {})).devices.find((d) => d.address === peer.address)?.fault).toMatch(fault);
    } finally {
      await h?.close();
      h = null;
      peer.close();
      radio.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('HubService without Bluetooth', () => {
  it('keeps running when the system adapter cannot be created, offers the simulator, and reports a damaged settings file', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'picolink-service-'));
    writeFileSync(path.join(home, 'settings.json'), '{ not json');
    h = await startService({
      home,
      createNoble: () => {
        throw new Error('no Bluetooth adapter found');
      },
    });
    const st = await h.call('hub.status', {});
    expect(st.running).toBe(false);
    expect(st.devices).toEqual([]);
    expect(st.adapters).toHaveLength(1);
    expect(st.adapters[0]).toEqual({ name: 'system adapter', state: 'unsupported', code: 'start-failed', hint: { cause: 'no Bluetooth adapter found' } });
    await expect(h.call('device.pair', { target: 'aa:bb:cc:dd:ee:ff' })).rejects.toThrow(/No adapter is running: system adapter could not be started: no Bluetooth adapter found.*simulator/);
    // The warning was raised before anyone listened; the first notice listener still got it.
    await expect.poll(() => h!.seen('notice').map((n) => n.text), { timeout: 20_000, interval: 20 }).toContainEqual(expect.stringMatching(/settings file .* is not valid JSON/));
    expect(readdirSync(home).some((n) => n.startsWith('settings.json.corrupt-'))).toBe(true);
    expect((await h.call('settings.get', {})).adapter).toEqual({ kind: 'system' });
    const info = await h.call('app.info', {});
    expect(info).toMatchObject({ name: 'PicoLink', electron: null, logFile: path.join(home, 'log.sqlite') });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('shows an adapter that reports no BLE as unsupported, with the way out', async () => {
    const fake = stateOnlyNoble();
    h = await startService({ createNoble: () => fake.noble });
    fake.become('unsupported');
    const st = await h.call('hub.status', {});
    // A code and its data, no prose: the renderer words the advice (and the CLI its own).
    expect(st.adapters).toEqual([{ name: 'system adapter', state: 'unsupported', code: 'unsupported', hint: {} }]);
    await expect.poll(() => h!.seen('notice'), { timeout: 20_000, interval: 20 }).toContainEqual(expect.objectContaining({ level: 'warning', text: expect.stringMatching(/no Bluetooth Low Energy/) }));
    expect(h.seen('notice').map((n) => n.text).join(' ')).not.toMatch(/--sim|--hci/);
  });
});
