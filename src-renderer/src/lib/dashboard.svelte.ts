// The dashboard's state: the hub's last status, settings, the console log, toasts, and per
// device a ring of latency samples. Status, settings and messages are reactive ($state); the
// sample rings are not (they change up to 20 times a second per device): charts read them on
// animation frames, told by `samplesVersion`.
import type { DeviceView, EventOf, InstallConfigView, PicoLinkApi, Settings } from '../../../src-main/ipc/contract.ts';
import { onValid } from './api.ts';
import { boardLine, lineOf, mergeLines, type LogLine } from './console-log.ts';
import { adapterProblem, sortDevices } from './devices.ts';
import { FrameBatcher } from './frames.ts';
import { SampleRing } from './ring.ts';

/** Five minutes at 20 Hz. */
export const RING_CAPACITY = 6000;
export const LOG_LIMIT = 5000;
/** Picos the one-click simulator runs. */
export const ONE_CLICK_SIM_PICOS = 4;
/** Chart work per animation frame before the rest waits a frame (of 16.7 ms at 60 Hz). */
export const FRAME_BUDGET_MS = 8;

export interface Toast {
  id: number;
  level: 'info' | 'warning' | 'error';
  text: string;
}

export type HubStatus = EventOf<'status'>;

export class Dashboard {
  status = $state<HubStatus | null>(null);
  settings = $state<Settings | null>(null);
  toasts = $state<Toast[]>([]);
  log = $state.raw<LogLine[]>([]);
  /** Messages that came too fast to show (past the service's per-batch limit); the log has them. */
  messagesNotShown = $state(0);
  exportProgress = $state<{ rows: number; total: number } | null>(null);
  /** Ticks every second for "3 s ago". */
  now = $state(Date.now());
  /** Bumped when any sample ring changes (charts redraw on the next frame). */
  samplesVersion = $state(0);
  /** Addresses with a throughput test running. */
  throughputRunning = $state<Record<string, boolean>>({});
  loadError = $state<string | null>(null);
  /** The install over USB in progress (its last step), and how the last one ended: kept here so a tab switch loses neither. */
  usbProgress = $state<EventOf<'usb.progress'> | null>(null);
  usbDone = $state<EventOf<'usb.done'> | null>(null);
  /** The port an install runs on, from the request until its usb.done. */
  usbRunning = $state<string | null>(null);
  /** The theme picked in the open Settings dialog, shown before it is saved. */
  themePreview = $state<Settings['theme'] | null>(null);

  devices = $derived(sortDevices(this.status?.devices ?? []));
  problem = $derived(adapterProblem(this.status?.adapters ?? []));

  /** Sample x values are seconds since this moment (epoch ms). */
  readonly origin = Date.now();
  readonly rings = new Map<string, SampleRing>();
  readonly frames: FrameBatcher;
  /** Application-menu commands (Electron: File > Export...). */
  onMenu: ((action: EventOf<'menu'>['action']) => void) | null = null;
  private nextToast = 1;
  private readonly offs: (() => void)[] = [];

  constructor(readonly api: PicoLinkApi) {
    this.frames = new FrameBatcher(
      (cb) => requestAnimationFrame(cb),
      () => performance.now(),
      // Per-frame work of the last 8192 frames (about 10 minutes of redraws at 10-15 a second).
      8192,
      FRAME_BUDGET_MS,
    );
  }

  start(): void {
    const { api } = this;
    this.offs.push(
      onValid(api, 'status', (s) => (this.status = s)),
      onValid(api, 'samples', (s) => this.addSamples(s)),
      onValid(api, 'messages', (m) => this.addMessages(m)),
      onValid(api, 'state', (s) => this.patchState(s)),
      onValid(api, 'throughput', (t) => this.patchDevice(t.address, { lastThroughput: t.result })),
      onValid(api, 'export.progress', (p) => (this.exportProgress = p)),
      onValid(api, 'notice', (n) => this.toast(n.level, n.text)),
      onValid(api, 'menu', (m) => this.onMenu?.(m.action)),
      onValid(api, 'board.console', (c) => this.addBoardLines(c)),
      onValid(api, 'usb.progress', (p) => (this.usbProgress = p)),
      onValid(api, 'usb.done', (d) => ((this.usbProgress = null), (this.usbRunning = null), (this.usbDone = d))),
    );
    const tick = setInterval(() => (this.now = Date.now()), 1000);
    this.offs.push(() => clearInterval(tick));
    void this.refresh();
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  async refresh(): Promise<void> {
    try {
      const [status, settings] = await Promise.all([this.api.request('hub.status', {}), this.api.request('settings.get', {})]);
      this.status = status;
      this.settings = settings;
      this.loadError = null;
    } catch (e) {
      this.loadError = (e as Error).message;
    }
  }

  ring(address: string): SampleRing {
    let r = this.rings.get(address);
    if (!r) this.rings.set(address, (r = new SampleRing(RING_CAPACITY)));
    return r;
  }

  addSamples(ev: EventOf<'samples'>): void {
    let changed = false;
    for (const b of ev.batches) {
      const r = this.ring(b.address);
      for (const s of b.samples) {
        if (s.rttMs === null) continue; // lost: counted by the hub's loss %, not plotted
        r.push((s.t - this.origin) / 1000, s.rttMs);
        changed = true;
      }
    }
    if (changed) this.samplesVersion++;
  }

  addMessages(ev: EventOf<'messages'>): void {
    const lines = ev.batches.flatMap((b) => b.entries.map((e) => lineOf(b.address, e)));
    if (lines.length) this.log = mergeLines(this.log, lines, LOG_LIMIT);
    const dropped = ev.batches.reduce((n, b) => n + b.dropped, 0);
    if (dropped) this.messagesNotShown += dropped;
  }

  addBoardLines(ev: EventOf<'board.console'>): void {
    const lines = ev.batches.flatMap((b) => b.lines.map((l) => boardLine(b.address, b.board, l.at, l.text)));
    if (lines.length) this.log = mergeLines(this.log, lines, LOG_LIMIT);
  }

  device(address: string): DeviceView | undefined {
    return this.status?.devices.find((d) => d.address === address);
  }

  displayName(address: string): string {
    const d = this.device(address);
    // Two hubs may each have a pico1: a remote device's name says which.
    return d?.hub ? `${d.name ?? address.slice(d.hub.length + 1)} @ ${d.hub}` : (d?.name ?? address);
  }

  private patchDevice(address: string, patch: Partial<DeviceView>): void {
    const s = this.status;
    if (!s) return;
    const i = s.devices.findIndex((d) => d.address === address);
    if (i < 0) return;
    s.devices[i] = { ...s.devices[i]!, ...patch };
  }

  private patchState(e: EventOf<'state'>): void {
    this.patchDevice(e.address, { state: e.state, reason: e.reason, fault: e.fault, ...(e.name ? { name: e.name } : {}) });
  }

  toast(level: Toast['level'], text: string): void {
    const id = this.nextToast++;
    this.toasts = [...this.toasts.slice(-5), { id, level, text }];
    // Errors stay until dismissed; the rest go by themselves.
    if (level !== 'error') setTimeout(() => this.dismiss(id), level === 'info' ? 6000 : 15000);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  /** Runs a request; on failure shows the error as a toast and returns null. */
  async run<T>(what: string, p: Promise<T>): Promise<T | null> {
    try {
      return await p;
    } catch (e) {
      this.toast('error', `${what}: ${(e as Error).message}`);
      return null;
    }
  }

  async loadHistory(address: string): Promise<void> {
    const r = await this.run('Loading the history', this.api.request('device.history', { address }));
    if (r) this.log = mergeLines(this.log, r.entries.map((e) => lineOf(address, e)), LOG_LIMIT);
  }

  clearLog(device: string): void {
    this.log = device === 'all' ? [] : this.log.filter((l) => l.address !== device);
  }

  async saveSettings(patch: Partial<Settings>): Promise<boolean> {
    const r = await this.run('Saving the settings', this.api.request('settings.set', patch));
    if (r) this.settings = r;
    return r !== null;
  }

  /** The simulator in one click (from the empty and no-adapter states). */
  useSimulator(): Promise<boolean> {
    return this.saveSettings({ adapter: { kind: 'sim', picos: ONE_CLICK_SIM_PICOS } });
  }

  /** Starts installing PicoLink on a listed board; false (and a toast) when main refuses. */
  async installOverUsb(path: string, config: InstallConfigView): Promise<boolean> {
    this.usbDone = null;
    this.usbProgress = null;
    this.usbRunning = path;
    const r = await this.run('Installing PicoLink', this.api.request('usb.install', { path, config }));
    if (r === null) this.usbRunning = null;
    return r !== null;
  }

  async throughput(address: string, octets: number): Promise<void> {
    this.throughputRunning = { ...this.throughputRunning, [address]: true };
    try {
      await this.run('Throughput test', this.api.request('device.throughput', { address, octets }));
    } finally {
      const { [address]: _, ...rest } = this.throughputRunning;
      this.throughputRunning = rest;
    }
  }
}
