// UsbService with the listing and the installer replaced: only ports from the last list are
// installed on, one install at a time, progress passed on, and every ending (done, cancelled, a
// UsbError's code and hint, any other error) reported once through usb.done.
import { describe, expect, it } from 'vitest';
import { UsbRequestError, UsbService } from '../../src-main/app/usb-service.ts';
import type { EventOf } from '../../src-main/ipc/contract.ts';
import { UsbError } from '../../src-main/usb/errors.ts';
import type { installPicoLink } from '../../src-main/usb/installer.ts';
import type { UsbBoard } from '../../src-main/usb/listing.ts';

const PICO: UsbBoard = { path: '/dev/ttyACM0', label: 'MicroPython 2e8a:0005', micropython: { version: '1.27.0', machine: 'Raspberry Pi Pico W with RP2040' }, picolink: null };

/** An installer the test finishes by hand, and that fails with AbortError when cancelled, as installPicoLink does. */
function manualInstaller() {
  const calls: { path: string; signal: AbortSignal | undefined; finish: (r: Error | { version: string; files: number; bytes: number }) => void; progress: (p: Parameters<NonNullable<Parameters<typeof installPicoLink>[2]['onProgress']>>[0]) => void }[] = [];
  const install: typeof installPicoLink = (path, _config, opts) =>
    new Promise((resolve, reject) => {
      const finish = (r: Error | { version: string; files: number; bytes: number }) => (r instanceof Error ? reject(r) : resolve(r));
      opts.signal?.addEventListener('abort', () => reject(new UsbError('cancelled', 'The install was cancelled; the board keeps what it had.')));
      calls.push({ path, signal: opts.signal, finish, progress: (p) => opts.onProgress?.(p) });
    });
  return { install, calls };
}

function service(boards: UsbBoard[] = [PICO], extra: string[] = []) {
  const installer = manualInstaller();
  const progress: EventOf<'usb.progress'>[] = [];
  const done: EventOf<'usb.done'>[] = [];
  const seenExtra: (string[] | undefined)[] = [];
  const usb = new UsbService({
    extraPaths: () => extra,
    onProgress: (p) => progress.push(p),
    onDone: (d) => done.push(d),
    list: async (opts) => {
      seenExtra.push(opts?.extraPaths);
      return boards;
    },
    install: installer.install,
  });
  return { usb, installer, progress, done, seenExtra };
}

const config = { name: 'kitchen', role: 'peripheral' as const };
const settle = () => new Promise((r) => setImmediate(r));

describe('UsbService', () => {
  it('probes the simulator boards as well as the serial ports', async () => {
    const sim = { ...PICO, path: '/tmp/sim-usb/pico1', label: null };
    const s = service([PICO, sim], [sim.path]);
    const boards = await s.usb.list();
    expect(s.seenExtra).toEqual([[sim.path]]);
    expect(boards.map((b) => b.label)).toEqual([PICO.label, 'virtual Pico (simulator)']);
  });

  it('refuses a port that the last list did not answer with, before anything opens it', async () => {
    const s = service();
    expect(() => s.usb.install('/dev/ttyACM0', config)).toThrow(UsbRequestError);
    await s.usb.list();
    expect(() => s.usb.install('/dev/mem', config)).toThrow(/not a board from the last list/);
    expect(() => s.usb.install('/dev/ttyACM0/../mem', config)).toThrow(UsbRequestError);
    expect(s.installer.calls).toEqual([]);
  });

  it('installs on a listed port, passes progress on and reports the result once', async () => {
    const s = service();
    await s.usb.list();
    s.usb.install(PICO.path, config);
    const call = s.installer.calls[0]!;
    expect(call.path).toBe(PICO.path);
    call.progress({ phase: 'copy', file: 'main.py', done: 1, total: 9 });
    expect(s.progress).toEqual([{ path: PICO.path, phase: 'copy', file: 'main.py', done: 1, total: 9 }]);
    call.finish({ version: '1.4.0', files: 9, bytes: 21_000 });
    await settle();
    expect(s.done).toEqual([{ path: PICO.path, ok: true, version: '1.4.0', files: 9, bytes: 21_000 }]);
  });

  it('runs one install at a time', async () => {
    const s = service([PICO, { ...PICO, path: '/dev/ttyACM1' }]);
    await s.usb.list();
    s.usb.install(PICO.path, config);
    expect(() => s.usb.install('/dev/ttyACM1', config)).toThrow(/being installed on \/dev\/ttyACM0/);
    s.installer.calls[0]!.finish({ version: '1', files: 1, bytes: 1 });
    await settle();
    s.usb.install('/dev/ttyACM1', config);
    expect(s.installer.calls).toHaveLength(2);
  });

  it('cancels through the installer signal and reports cancelled', async () => {
    const s = service();
    await s.usb.list();
    expect(s.usb.cancel()).toBe(false);
    s.usb.install(PICO.path, config);
    expect(s.usb.cancel()).toBe(true);
    expect(s.installer.calls[0]!.signal?.aborted).toBe(true);
    await settle();
    expect(s.done).toEqual([{ path: PICO.path, ok: false, code: 'cancelled', message: expect.any(String), hint: '' }]);
  });

  it('passes a UsbError code and hint on, and words any other error as a board error', async () => {
    const s = service();
    await s.usb.list();
    s.usb.install(PICO.path, config);
    s.installer.calls[0]!.finish(new UsbError('port-busy', '/dev/ttyACM0 is busy', 'thonny (pid 4242)'));
    await settle();
    s.usb.install(PICO.path, config);
    s.installer.calls[1]!.finish(new Error('OSError: [Errno 28] ENOSPC'));
    await settle();
    expect(s.done).toEqual([
      { path: PICO.path, ok: false, code: 'port-busy', message: '/dev/ttyACM0 is busy', hint: 'thonny (pid 4242)' },
      { path: PICO.path, ok: false, code: 'board-error', message: 'OSError: [Errno 28] ENOSPC', hint: '' },
    ]);
  });

  it('a failed listing is a clear error, and stop() waits for a cancelled install', async () => {
    const bad = new UsbService({ extraPaths: () => [], onProgress: () => {}, onDone: () => {}, list: async () => Promise.reject(new Error('EACCES')) });
    await expect(bad.list()).rejects.toThrow(/serial ports could not be listed: EACCES/);
    const s = service();
    await s.usb.list();
    s.usb.install(PICO.path, config);
    await s.usb.stop();
    expect(s.done.map((d) => (d.ok ? 'ok' : d.code))).toEqual(['cancelled']);
  });
});
