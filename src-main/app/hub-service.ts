// The desktop app's back end: the hub, its adapters (or the simulator), the log, the paired list
// and the settings, behind the contract's requests and events. Plain Node with no Electron
// import, so the Electron shell, the WebSocket test bridge and the tests drive the very same
// object, and the renderer cannot tell which host it runs in.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Noble } from '@stoprocent/noble';
import type { Adapter } from '../hub/adapter/adapter.ts';
import { describeAdapterSpec, type AdapterSpec } from '../hub/adapter/adapter-spec.ts';
import { adapterStatusLabel, type AdapterStatus } from '../hub/adapter/adapter-state.ts';
import { openAdapter } from '../hub/adapter/open-adapter.ts';
import { boardPackages } from '../sim/board-packages.ts';
import { createSimulation, type Simulation } from '../sim/simulation.ts';
import { normaliseAddress } from '../hub/discovery/address.ts';
import { Hub } from '../hub/hub.ts';
import { ensureDir } from '../hub/store/app-data.ts';
import { LOG_FILE, LogStore, type StoreOptions } from '../hub/store/database.ts';
import { EXPORT_PARTS_FILE, ExportParts } from '../hub/store/export-parts.ts';
import { describeLogNotice } from '../hub/store/log-health.ts';
import { retentionPolicy } from '../hub/store/log-retention.ts';
import { exportLog, type ExportFormat } from '../hub/store/export.ts';
import { PAIRED_FILE, PairedDevices, SIM_PAIRED_FILE } from '../hub/store/paired-devices.ts';
import {
  MAX_MESSAGES_PER_BATCH,
  type AdapterView,
  type EventChannel,
  type EventOf,
  type HistoryEntryView,
  type ParsedRequestOf,
  type RequestChannel,
  type ResponseOf,
  type Sample,
  type Settings,
} from '../ipc/contract.ts';
import { resourcePaths } from '../resources/resource-paths.ts';
import { DeviceBatcher } from './device-batcher.ts';
import { ExportChoices } from './export-choices.ts';
import { listSerialPorts, type SerialPortInfo } from './serial-ports.ts';
import { SettingsStore } from './settings-store.ts';
import { fromBody, toAdapterView, toDeviceView, toHistoryEntry, toThroughput } from './views.ts';

const OFFER_SIM = 'You can try PicoLink without a board: choose the simulator in Settings → Adapter.';

export type { ExportFormat };

export interface HubServiceOptions {
  /** The app data folder: settings, paired lists and the log live here. */
  home: string;
  /** Overrides for this run only (`--sim 4`); written to settings.json only if the user changes them. */
  settings?: Partial<Settings>;
  /**
   * The save dialog: the Electron shell shows one, the test bridge answers with a temporary path.
   * The path stays in main: the renderer gets a single-use token for it.
   */
  chooseFile?: (format: ExportFormat) => Promise<string | null>;
  /** The OS's serial ports (default: the serialport package's list); tests replace it. */
  listSerialPorts?: () => Promise<SerialPortInfo[]>;
  /** Where the simulator's Picos find their firmware (default: the repository's firmware/). */
  firmwareDir?: string;
  /** How a system or UART noble is made; tests replace it to play a machine without Bluetooth. */
  createNoble?: (spec: AdapterSpec) => Noble;
  statusIntervalMs?: number;
  samplesIntervalMs?: number;
  /** The ping timeout the hub uses; the default (2 s) suits real radios. */
  pingTimeoutMs?: number;
  /** The log's timing and bounds; tests shorten them, and fill its "disk" through configure. */
  log?: Omit<StoreOptions, 'onNotice'>;
}

type ServiceEvents = { [C in EventChannel]: [EventOf<C>] };
type Handlers = { [C in RequestChannel]: (payload: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

/** What one adapter choice brought up; replaced as a whole when the user switches adapters. */
interface Runtime {
  hub: Hub | null;
  simulation: Simulation | null;
  paired: PairedDevices | null;
  adapters: Map<string, AdapterView>;
}

export class HubService {
  private readonly events = new EventEmitter<ServiceEvents>();
  private readonly batcher = new DeviceBatcher<Sample>();
  private readonly messages = new DeviceBatcher<HistoryEntryView>(MAX_MESSAGES_PER_BATCH);
  private readonly exportChoices = new ExportChoices();
  private readonly pendingNotices: EventOf<'notice'>[] = [];
  private readonly exportParts: ExportParts;
  private runtime: Runtime = { hub: null, simulation: null, paired: null, adapters: new Map() };
  /** Requests that need the hub wait for an adapter switch in progress. */
  private transition: Promise<void> = Promise.resolve();
  private overrides: Partial<Settings>;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | null = null;
  private readonly handlers: Handlers;

  private constructor(
    private readonly options: HubServiceOptions,
    private readonly settings: SettingsStore,
    private readonly log: LogStore | null,
  ) {
    this.overrides = { ...(options.settings ?? {}) };
    this.exportParts = new ExportParts(path.join(options.home, EXPORT_PARTS_FILE));
    this.handlers = {
      'app.info': async () => ({
        name: 'PicoLink',
        version: packageVersion(),
        electron: process.versions.electron ?? null,
        node: process.versions.node,
        logFile: path.join(this.options.home, LOG_FILE),
      }),
      'hub.status': async () => this.status(),
      'device.pair': async ({ target }) => ({ address: await this.pair(target) }),
      'device.unpair': async ({ address }) => ({ removed: await (await this.hub()).unpair(address) }),
      'device.connect': async ({ address }) => {
        (await this.hub()).connect(address);
        return {};
      },
      'device.disconnect': async ({ address }) => {
        await (await this.hub()).disconnect(address);
        return {};
      },
      'device.send': async ({ target, body }) => ({ sentTo: await (await this.hub()).send(target, fromBody(body)) }),
      'device.history': async ({ address }) => ({ entries: (await this.hub()).history(address).map(toHistoryEntry) }),
      'device.throughput': async ({ address, octets }) => {
        (await this.hub()).throughput(address, octets);
        return {};
      },
      'settings.get': async () => this.currentSettings(),
      'settings.set': (patch) => this.setSettings(patch),
      'adapter.ports': async () => ({ ports: await this.serialPorts() }),
      'export.chooseFile': async ({ format }) => {
        if (!this.options.chooseFile) throw new Error('This host has no save dialog, so there is no file to export to.');
        const file = await this.options.chooseFile(format);
        return { chosen: file === null ? null : { token: this.exportChoices.issue({ file, format }), file, format } };
      },
      'export.run': (request) => this.exportRun(request),
    };
  }

  /** Opens the store and starts the hub on the chosen adapter. Never fails for a missing adapter: the status says so. */
  static async create(options: HubServiceOptions): Promise<HubService> {
    ensureDir(options.home);
    const { store, warning } = SettingsStore.load(options.home);
    let log: LogStore | null = null;
    let logWarning: string | null = null;
    try {
      log = LogStore.open(path.join(options.home, LOG_FILE), {
        ...options.log,
        // A full disk, its end, retention: each said once, as the CLI says them.
        onNotice: (n) => {
          const { level, text } = describeLogNotice(n);
          service.notice(level, text);
        },
      });
    } catch (e) {
      logWarning = `${(e as Error).message} Latency and messages are not logged in this run, and export is unavailable.`;
    }
    const service: HubService = new HubService(options, store, log);
    if (warning) service.notice('warning', warning);
    if (logWarning) service.notice('error', logWarning);
    const leftovers = await service.exportParts.removeStale();
    if (leftovers.length) service.notice('info', `Removed ${leftovers.length} unfinished export file(s) an earlier run left behind: ${leftovers.join(', ')}`);
    // Before the hub starts: a first run on a large old log may take a while (one VACUUM).
    const settings = service.currentSettings();
    await log?.setRetention(retentionPolicy(settings.logKeepDays, settings.logKeepGb));
    await service.startRuntime(settings);
    service.startTimers();
    return service;
  }

  /** Answers one request; the payload was validated with parseRequest. Throws Error with a message for the user. */
  handle<C extends RequestChannel>(channel: C, payload: ParsedRequestOf<C>): Promise<ResponseOf<C>> {
    if (this.stopping) return Promise.reject(new Error('PicoLink is shutting down.'));
    const handler = this.handlers[channel] as (p: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
    return handler(payload);
  }

  /** Subscribes to one event channel; returns the unsubscribe function (PicoLinkApi.on's shape). */
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void {
    const l = listener as (...args: ServiceEvents[EventChannel]) => void;
    const events = this.events as unknown as EventEmitter;
    events.on(channel, l);
    // Warnings from start-up (a damaged settings file) come before anyone listens: the first
    // notice listener gets them, so they are not lost.
    if (channel === 'notice' && this.pendingNotices.length) {
      const pending = this.pendingNotices.splice(0);
      queueMicrotask(() => pending.forEach((n) => events.emit('notice', n)));
    }
    return () => void events.off(channel, l);
  }

  status(): EventOf<'status'> {
    const { hub, adapters } = this.runtime;
    return {
      adapters: [...adapters.values()],
      devices: hub ? hub.status().map(toDeviceView) : [],
      pingHz: this.currentSettings().pingHz,
      running: hub !== null && this.stopping === null,
    };
  }

  /** Links closed, the hub stopped, the log flushed and closed, the simulator's Picos shut down. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers.splice(0)) clearInterval(t);
      await this.transition.catch(() => {});
      await this.stopRuntime();
      this.log?.close();
      this.events.removeAllListeners();
    })();
    return this.stopping;
  }

  private emit<C extends EventChannel>(channel: C, payload: EventOf<C>): void {
    (this.events as unknown as EventEmitter).emit(channel, payload);
  }

  private notice(level: EventOf<'notice'>['level'], text: string): void {
    if (this.events.listenerCount('notice') > 0) this.emit('notice', { level, text });
    else if (this.pendingNotices.length < 50) this.pendingNotices.push({ level, text });
  }

  private startTimers(): void {
    const status = setInterval(() => this.emit('status', this.status()), this.options.statusIntervalMs ?? 500);
    const samples = setInterval(() => {
      const batches = this.batcher.drain();
      if (batches.length) this.emit('samples', { batches: batches.map((b) => ({ address: b.address, samples: b.items })) });
      const messages = this.messages.drain();
      if (messages.length) this.emit('messages', { batches: messages.map((b) => ({ address: b.address, entries: b.items, dropped: b.dropped })) });
    }, this.options.samplesIntervalMs ?? 100);
    status.unref();
    samples.unref();
    this.timers.push(status, samples);
  }

  private currentSettings(): Settings {
    return { ...this.settings.get(), ...structuredClone(this.overrides) };
  }

  private async hub(): Promise<Hub> {
    await this.transition;
    const { hub, adapters } = this.runtime;
    if (hub) return hub;
    const why = [...adapters.values()].map((a) => adapterStatusLabel(a.name, a)).join('; ');
    throw new Error(`No adapter is running${why ? `: ${why}.` : '.'} ${OFFER_SIM}`);
  }

  private async pair(target: string): Promise<string> {
    const hub = await this.hub();
    // Hub.pair waits for a name it has not heard yet; a request must not hang on a typo.
    if (normaliseAddress(target) === null && !hub.devices.find(target) && this.runtime.paired?.find(target).length === 0) {
      throw new Error(`No device named ${target} has been heard yet: wait until it shows in the list (is it powered and advertising?), or pair it by address.`);
    }
    return hub.pair(target);
  }

  private async setSettings(patch: Partial<Settings>): Promise<Settings> {
    const before = this.currentSettings();
    if (patch.adapter?.kind === 'uart' && JSON.stringify(patch.adapter) !== JSON.stringify(before.adapter)) await this.checkSerialPort(patch.adapter.port);
    // Saved first: a save that fails (a full disk) leaves this run's settings as they were.
    await this.settings.update(patch);
    // What the user sets is theirs to keep: no longer overridden for this run.
    for (const k of Object.keys(patch) as (keyof Settings)[]) delete this.overrides[k];
    const after = this.currentSettings();
    if (before.logKeepDays !== after.logKeepDays || before.logKeepGb !== after.logKeepGb) {
      void this.log?.setRetention(retentionPolicy(after.logKeepDays, after.logKeepGb));
    }
    if (JSON.stringify(before.adapter) !== JSON.stringify(after.adapter)) {
      const switching = this.transition.then(async () => {
        await this.stopRuntime();
        await this.startRuntime(after);
      });
      this.transition = switching.catch(() => {});
      await switching;
    } else if (before.pingHz !== after.pingHz) {
      this.runtime.hub?.setPingRate(after.pingHz);
    }
    return after;
  }

  private async serialPorts(): Promise<SerialPortInfo[]> {
    try {
      return await (this.options.listSerialPorts ?? listSerialPorts)();
    } catch (e) {
      throw new Error(`The serial ports could not be listed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A UART adapter only on a port the OS lists: the renderer may not point noble at any path. */
  private async checkSerialPort(port: string): Promise<void> {
    const ports = await this.serialPorts();
    if (ports.some((p) => p.path === port)) return;
    const listed = ports.length ? `: ${ports.map((p) => p.path).join(', ')}` : ' (none: is the dongle plugged in?)';
    throw new Error(`${port} is not a serial port this computer lists${listed}`);
  }

  private async exportRun(request: ParsedRequestOf<'export.run'>): Promise<ResponseOf<'export.run'>> {
    // Spent before anything else, so a failed export cannot be retried with a token once used.
    const { file, format } = this.exportChoices.take(request.token);
    if (!this.log) throw new Error('The log could not be opened in this run, so there is nothing to export.');
    // Rows still in memory belong in the file the user asked for; while the log's disk is full
    // they cannot get there, but the export (to another disk) goes on with what is committed.
    if (!this.log.flush()) {
      this.notice('warning', `The export leaves out the ${this.log.health.waiting} newest rows: they are waiting in memory until the log's disk has space.`);
    }
    const filter = {
      ...(request.device !== undefined ? { device: request.device } : {}),
      ...(request.from !== undefined ? { from: request.from } : {}),
      ...(request.to !== undefined ? { to: request.to } : {}),
    };
    let rows: number;
    try {
      ({ rows } = await exportLog(this.log.file, file, {
        format,
        filter,
        onProgress: (p) => this.emit('export.progress', { rows: p.rows, total: p.total }),
        parts: this.exportParts,
      }));
    } catch (e) {
      throw new Error(`Export to ${file} failed: ${(e as Error).message}`, { cause: e });
    }
    return { rows, file, format, again: this.exportChoices.issue({ file, format }) };
  }

  private async startRuntime(settings: Settings): Promise<void> {
    const choice = settings.adapter;
    const adapters = new Map<string, AdapterView>();
    this.runtime = { hub: null, simulation: null, paired: null, adapters };
    let simulation: Simulation | null = null;
    const list: Adapter[] = [];
    const wanted = choice.kind === 'sim' ? `simulator (${choice.picos} Pico${choice.picos === 1 ? '' : 's'})` : describeAdapterSpec(specOf(choice));
    try {
      if (choice.kind === 'sim') {
        // The packages a Pico W has built in (aioble...), from the cache or micropython-lib's index.
        const packages = await boardPackages([], this.options.home, process.env, false);
        if (packages.notice) this.notice('warning', packages.notice);
        simulation = createSimulation({ picos: choice.picos, frozen: packages.files, ...(this.options.firmwareDir ? { firmwareDir: this.options.firmwareDir } : {}) });
        list.push(...simulation.adapters);
        await simulation.start();
      } else {
        const opened = openAdapter(specOf(choice), this.options.createNoble ? { createNoble: this.options.createNoble } : {});
        if (!opened.adapter) return this.unusable(adapters, opened.name, opened.status);
        list.push(opened.adapter);
      }
    } catch (e) {
      await simulation?.close().catch(() => {});
      return this.unusable(adapters, wanted, { code: 'start-failed', hint: { cause: (e as Error).message } });
    }
    for (const a of list) adapters.set(a.name, toAdapterView(a.name, a.state, a.status));

    const pairedFile = path.join(this.options.home, simulation ? SIM_PAIRED_FILE : PAIRED_FILE);
    const { store: paired, warning } = PairedDevices.load(pairedFile);
    if (warning) this.notice('warning', warning);
    if (simulation) {
      // Boards of an earlier, larger simulation cannot come back: keep the list to this one's.
      for (const d of paired.list()) if (!simulation.addresses.includes(d.address)) await paired.remove(d.address);
    }
    this.log?.startSession({ command: 'app', adapter: choice, pingHz: settings.pingHz });
    const hub = new Hub({
      adapters: list,
      paired,
      log: this.log,
      pingHz: settings.pingHz,
      ...(this.options.pingTimeoutMs ? { pingTimeoutMs: this.options.pingTimeoutMs } : {}),
    });
    this.wire(hub, adapters);
    this.runtime = { hub, simulation, paired, adapters };
    hub.start();
    if (simulation && paired.list().length === 0) {
      this.notice('info', `The simulator runs ${choice.kind === 'sim' ? choice.picos : 0} virtual Pico(s) with the real firmware: pair them in the device list.`);
    }
  }

  /** An adapter that could not be opened: the banner advises from the code, the notice says what happened. */
  private unusable(adapters: Map<string, AdapterView>, name: string, status: AdapterStatus): void {
    adapters.set(name, toAdapterView(name, 'unsupported', status));
    this.notice('error', `${adapterStatusLabel(name, status)}. ${OFFER_SIM}`);
  }

  private wire(hub: Hub, adapters: Map<string, AdapterView>): void {
    hub.on('adapter', (a) => {
      const previous = adapters.get(a.adapter);
      adapters.set(a.adapter, toAdapterView(a.adapter, a.state, a));
      // noble re-reports the same state while it polls a missing adapter: say each change once.
      // The banner carries the advice; the notice only says what changed.
      if (previous?.code !== a.code) this.notice(a.code === 'powered-on' ? 'info' : 'warning', `${adapterStatusLabel(a.adapter, a)}.`);
    });
    hub.on('warning', (w) => this.notice('warning', w));
    hub.on('state', (c) => this.emit('state', { address: c.address, name: c.name, state: c.state, previous: c.previous, reason: c.reason, fault: c.fault, at: c.at }));
    hub.on('sample', ({ address, sample }) => this.batcher.add(address, { t: sample.sentAt, seq: sample.seq, rttMs: sample.rttMs }));
    hub.on('lost', ({ address, lost }) => this.batcher.add(address, { t: lost.sentAt, seq: lost.seq, rttMs: null }));
    hub.on('message', ({ address, entry }) => this.messages.add(address, toHistoryEntry(entry)));
    hub.on('throughput', ({ address, result }) => this.emit('throughput', { address, result: toThroughput(result) }));
  }

  private async stopRuntime(): Promise<void> {
    const { hub, simulation } = this.runtime;
    this.runtime = { hub: null, simulation: null, paired: null, adapters: new Map() };
    try {
      await hub?.stop();
    } finally {
      hub?.removeAllListeners();
      await simulation?.close();
      // Samples of the old adapter's devices would arrive after their devices are gone.
      this.batcher.drain();
      this.messages.drain();
    }
  }
}

function specOf(choice: Exclude<Settings['adapter'], { kind: 'sim' }>): AdapterSpec {
  return choice.kind === 'system' ? { kind: 'default' } : { kind: 'uart', port: choice.port, ...(choice.baudRate ? { baudRate: choice.baudRate } : {}) };
}

let version: string | null = null;
function packageVersion(): string {
  if (version === null) {
    try {
      const pkg = JSON.parse(readFileSync(resourcePaths().packageJson, 'utf8')) as { version?: unknown };
      version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
