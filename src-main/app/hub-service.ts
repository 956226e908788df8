// The desktop app's back end: the hub, its adapters (or the simulator), the log, the paired list
// and the settings, behind the contract's requests and events. Plain Node with no Electron
// import, so the Electron shell, the WebSocket test bridge and the tests drive the very same
// object, and the renderer cannot tell which host it runs in.
import { EventEmitter } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Noble } from '@stoprocent/noble';
import type { Adapter } from '../hub/adapter/adapter.ts';
import { describeAdapterSpec, type AdapterSpec } from '../hub/adapter/adapter-spec.ts';
import { adapterStatusLabel, type AdapterStatus } from '../hub/adapter/adapter-state.ts';
import { openAdapter } from '../hub/adapter/open-adapter.ts';
import { boardPackages } from '../sim/board-packages.ts';
import { createSimulation, DEFAULT_FIRMWARE_DIR, type Simulation } from '../sim/simulation.ts';
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
  SETTINGS_LIMITS,
  type AdapterView,
  type EventChannel,
  type EventOf,
  type HistoryEntryView,
  type MessageBody,
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
import { UsbService } from './usb-service.ts';
import type { installPicoLink } from '../usb/installer.ts';
import type { listUsbBoards } from '../usb/listing.ts';
import { fromBody, toAdapterView, toDeviceView, toHistoryEntry, toThroughput } from './views.ts';
import { keepPasswords, redactSettings, RemoteDevices, type RemoteOptions } from './remote-devices.ts';
import { probeBroker } from '../mqtt/source-probe.ts';
import { HubPublishing } from './hub-publishing.ts';

/** The simulator's boards' USB serial ports (pseudo-terminals) and filesystems, in the app data folder. */
export const SIM_USB_DIR = 'sim-usb';

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
  /**
   * The folder dialog for a simulator group's firmware (the Electron shell shows one). The path
   * stays in main's list of chosen folders: settings.set takes no other.
   */
  chooseFolder?: () => Promise<string | null>;
  /** Boards on USB: tests replace the listing and the installer (default: usb/). */
  usb?: { list?: typeof listUsbBoards; install?: typeof installPicoLink };
  /** Sources' MQTT timing (keep-alive, reconnect, command timeout); tests shorten it. */
  remote?: RemoteOptions;
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
  /** The simulator's boards' printed lines, per board address (the newest kept when one floods). */
  private readonly boardConsole = new DeviceBatcher<{ board: string; at: number; text: string }>(MAX_MESSAGES_PER_BATCH);
  /** Firmware folders the user chose in the folder dialog this run: the only new ones settings.set takes. */
  private readonly chosenFolders = new Set<string>();
  private readonly usb: UsbService;
  private readonly exportChoices = new ExportChoices();
  /** Devices other hubs publish on the brokers in Settings → Sources, keyed HUB/address. */
  private readonly remote: RemoteDevices;
  /** This computer's hub on a broker (Settings: mqttPublish), as `picolink hub --mqtt`. */
  private readonly publishing = new HubPublishing((level, text) => this.notice(level, text));
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
    this.remote = new RemoteDevices(
      {
        sample: (key, sample) => this.batcher.add(key, sample),
        message: (key, entry) => this.messages.add(key, entry),
        state: (change) => this.emit('state', change),
        notice: (level, text) => this.notice(level, text),
      },
      () => this.log,
      options.remote,
    );
    this.usb = new UsbService({
      // The simulator's boards answer on their pseudo-terminals as a Pico does on its USB port.
      extraPaths: () => this.runtime.simulation?.sim.picos.flatMap((p) => (p.usbPath ? [p.usbPath] : [])) ?? [],
      onProgress: (p) => this.emit('usb.progress', p),
      onDone: (d) => this.emit('usb.done', d),
      ...(options.usb?.list ? { list: options.usb.list } : {}),
      ...(options.usb?.install ? { install: options.usb.install } : {}),
    });
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
      'device.unpair': async ({ address }) => ({ removed: this.remote.owns(address) ? await this.remote.unpair(address) : await (await this.hub()).unpair(address) }),
      'device.connect': async ({ address }) => {
        if (this.remote.owns(address)) await this.remote.connect(address);
        else (await this.hub()).connect(address);
        return {};
      },
      'device.disconnect': async ({ address }) => {
        if (this.remote.owns(address)) await this.remote.disconnect(address);
        else await (await this.hub()).disconnect(address);
        return {};
      },
      'device.send': async ({ target, body }) => ({ sentTo: await this.send(target, body) }),
      'device.history': async ({ address }) => ({ entries: this.remote.owns(address) ? this.remote.history(address) : (await this.hub()).history(address).map(toHistoryEntry) }),
      'device.throughput': async ({ address, octets }) => {
        (await this.hub(address)).throughput(address, octets);
        return {};
      },
      'settings.get': async () => redactSettings(this.currentSettings()),
      'settings.set': async (patch) => redactSettings(await this.setSettings(patch)),
      'sources.test': async (broker) => {
        const [withPassword] = keepPasswords([broker], this.currentSettings().sources.brokers);
        return probeBroker(withPassword!, this.options.remote?.source?.keepaliveSeconds ? 2_000 : 5_000);
      },
      'adapter.ports': async () => ({ ports: await this.serialPorts() }),
      'export.chooseFile': async ({ format }) => {
        if (!this.options.chooseFile) throw new Error('This host has no save dialog, so there is no file to export to.');
        const file = await this.options.chooseFile(format);
        return { chosen: file === null ? null : { token: this.exportChoices.issue({ file, format }), file, format } };
      },
      'export.run': (request) => this.exportRun(request),
      'usb.list': async () => ({ boards: await this.usb.list() }),
      'usb.install': async ({ path: port, config }) => {
        this.usb.install(port, config);
        return {};
      },
      'usb.cancel': async () => ({ cancelled: this.usb.cancel() }),
      'sim.chooseFirmware': async () => {
        if (!this.options.chooseFolder) throw new Error('This host has no folder dialog, so no firmware folder can be chosen.');
        const dir = await this.options.chooseFolder();
        if (dir === null) return { chosen: null };
        this.chosenFolders.add(dir);
        return { chosen: { dir, name: path.basename(dir) } };
      },
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
    await service.remote.configure(settings.sources.brokers);
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
      devices: [...(hub ? hub.status().map(toDeviceView) : []), ...this.remote.views()],
      pingHz: this.currentSettings().pingHz,
      running: hub !== null && this.stopping === null,
    };
  }

  /** Links closed, the hub stopped, the log flushed and closed, the simulator's Picos shut down. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers.splice(0)) clearInterval(t);
      await this.usb.stop();
      await this.transition.catch(() => {});
      await this.stopRuntime();
      await this.remote.stop();
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
      const printed = this.boardConsole.drain();
      if (printed.length) {
        this.emit('board.console', { batches: printed.map((b) => ({ board: b.items[0]!.board, address: b.address, lines: b.items.map(({ at, text }) => ({ at, text })) })) });
      }
    }, this.options.samplesIntervalMs ?? 100);
    status.unref();
    samples.unref();
    this.timers.push(status, samples);
  }

  private currentSettings(): Settings {
    return { ...this.settings.get(), ...structuredClone(this.overrides) };
  }

  /** The local hub; `key` names the device asked about, refused here if another hub reaches it. */
  private async hub(key?: string): Promise<Hub> {
    if (key !== undefined && this.remote.owns(key)) {
      throw new Error(`${key} is reached by hub ${key.slice(0, key.lastIndexOf('/'))}: a throughput test is run on that hub.`);
    }
    await this.transition;
    const { hub, adapters } = this.runtime;
    if (hub) return hub;
    if (!this.currentSettings().sources.adapters) throw new Error("This computer's adapters are off in Settings → Sources.");
    const why = [...adapters.values()].map((a) => adapterStatusLabel(a.name, a)).join('; ');
    throw new Error(`No adapter is running${why ? `: ${why}.` : '.'} ${OFFER_SIM}`);
  }

  /** One device, local or remote, or every linked device of every source ('all'). */
  private async send(target: string, body: MessageBody): Promise<string[]> {
    if (this.remote.owns(target)) {
      await this.remote.send(target, body);
      return [target];
    }
    if (target !== 'all') return (await this.hub()).send(target, fromBody(body));
    const local = this.runtime.hub ? await this.runtime.hub.send('all', fromBody(body)) : [];
    const remote = this.remote.linked();
    // One hub that fails to answer must not lose the others' sends: each is said on its own.
    const sent = await Promise.all(
      remote.map((key) =>
        this.remote.send(key, body).then(
          () => key,
          (e: Error) => (this.notice('warning', e.message), null),
        ),
      ),
    );
    return [...local, ...sent.filter((k): k is string => k !== null)];
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
    if (patch.adapter?.kind === 'sim') this.checkSimGroups(patch.adapter, before.adapter);
    // The renderer never holds broker passwords: one left out is the one stored.
    if (patch.sources) patch = { ...patch, sources: { ...patch.sources, brokers: keepPasswords(patch.sources.brokers, before.sources.brokers) } };
    const pub = patch.mqttPublish;
    if (pub) patch = { ...patch, mqttPublish: { ...keepPasswords([pub], before.mqttPublish ? [before.mqttPublish] : [])[0]!, hubName: pub.hubName, haDiscovery: pub.haDiscovery } };
    // Saved first: a save that fails (a full disk) leaves this run's settings as they were.
    await this.settings.update(patch);
    // What the user sets is theirs to keep: no longer overridden for this run.
    for (const k of Object.keys(patch) as (keyof Settings)[]) delete this.overrides[k];
    const after = this.currentSettings();
    if (before.logKeepDays !== after.logKeepDays || before.logKeepGb !== after.logKeepGb) {
      void this.log?.setRetention(retentionPolicy(after.logKeepDays, after.logKeepGb));
    }
    if (JSON.stringify(before.sources.brokers) !== JSON.stringify(after.sources.brokers)) await this.remote.configure(after.sources.brokers);
    if (JSON.stringify(before.adapter) !== JSON.stringify(after.adapter) || before.sources.adapters !== after.sources.adapters) {
      const switching = this.transition.then(async () => {
        await this.stopRuntime();
        await this.startRuntime(after);
      });
      this.transition = switching.catch(() => {});
      await switching;
    } else if (before.pingHz !== after.pingHz) {
      this.runtime.hub?.setPingRate(after.pingHz);
    }
    if (JSON.stringify(before.mqttPublish) !== JSON.stringify(after.mqttPublish)) await this.publishing.set(this.runtime.hub, after.mqttPublish);
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

  /**
   * A group's firmware folder is PicoLink's (null), one the settings hold already, or one the user
   * chose in the folder dialog: the renderer may not point the simulator at any other path.
   */
  private checkSimGroups(choice: Extract<Settings['adapter'], { kind: 'sim' }>, before: Settings['adapter']): void {
    if (!choice.groups) return;
    const total = choice.groups.reduce((n, g) => n + g.count, 0);
    if (total !== choice.picos) throw new Error(`The simulator's groups add up to ${total} Picos, not ${choice.picos}.`);
    if (total > SETTINGS_LIMITS.simPicos.max) throw new Error(`The simulator runs at most ${SETTINGS_LIMITS.simPicos.max} Picos; the groups add up to ${total}.`);
    const held = new Set(before.kind === 'sim' ? (before.groups ?? []).map((g) => g.firmwareDir) : []);
    for (const g of choice.groups) {
      if (g.firmwareDir !== null && !held.has(g.firmwareDir) && !this.chosenFolders.has(g.firmwareDir)) {
        throw new Error(`${g.firmwareDir} is not a firmware folder chosen in the folder dialog: choose it with "Choose folder…".`);
      }
    }
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
    if (!settings.sources.adapters) {
      // Only brokers in Settings → Sources: their samples still go to the log, in this session.
      this.log?.startSession({ command: 'app', adapter: null, pingHz: settings.pingHz });
      return;
    }
    let simulation: Simulation | null = null;
    const list: Adapter[] = [];
    const wanted = choice.kind === 'sim' ? `simulator (${choice.picos} Pico${choice.picos === 1 ? '' : 's'})` : describeAdapterSpec(specOf(choice));
    const defaultFirmware = this.options.firmwareDir ?? DEFAULT_FIRMWARE_DIR;
    try {
      if (choice.kind === 'sim') {
        // The packages a Pico W has built in (aioble...), from the cache or micropython-lib's index.
        const packages = await boardPackages([], this.options.home, process.env, false);
        if (packages.notice) this.notice('warning', packages.notice);
        // Each run starts from the firmware folders in Settings: the boards' filesystems (what an
        // install over USB wrote) last until the simulator restarts, then the folders apply again.
        const replPtyDir = path.join(this.options.home, SIM_USB_DIR);
        rmSync(replPtyDir, { recursive: true, force: true });
        // Windows has no pseudo-terminals (radio/transport/pty.ts): its boards have no USB port.
        const usbPorts = process.platform !== 'win32';
        if (usbPorts) ensureDir(replPtyDir);
        simulation = createSimulation({
          picos: choice.picos,
          frozen: packages.files,
          firmwareDir: defaultFirmware,
          groups: (choice.groups ?? [{ count: choice.picos, firmwareDir: null }]).map((g) => ({ count: g.count, firmwareDir: g.firmwareDir ?? defaultFirmware })),
          ...(usbPorts ? { replPtyDir } : {}),
        });
        for (const [i, pico] of simulation.sim.picos.entries()) {
          const address = simulation.addresses[i]!;
          pico.on('console', (text) => this.boardConsole.add(address, { board: pico.name, at: Date.now(), text }));
        }
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
    await this.publishing.set(hub, settings.mqttPublish);
    if (simulation && paired.list().length === 0) {
      const own = choice.kind === 'sim' && choice.groups?.some((g) => g.firmwareDir !== null);
      this.notice(
        'info',
        own
          ? `The simulator runs ${choice.kind === 'sim' ? choice.picos : 0} virtual Pico(s), some on your own firmware folders: what they print shows in the Console.`
          : `The simulator runs ${choice.kind === 'sim' ? choice.picos : 0} virtual Pico(s) with the real firmware: pair them in the device list.`,
      );
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
      await this.publishing.stop().catch(() => {});
      hub?.removeAllListeners();
      await simulation?.close();
      // Samples of the old adapter's devices would arrive after their devices are gone.
      this.batcher.drain();
      this.messages.drain();
      this.boardConsole.drain();
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
