// `picolink hub`: the hub headless. Opens the adapters (or the simulator), links the paired
// devices, shows a live table (or JSON lines), and on Ctrl-C or after --duration stops cleanly
// with a per-device summary and an optional export of this session's log.
import path from 'node:path';
import type { Adapter } from '../hub/adapter/adapter.ts';
import { openAdapter } from '../hub/adapter/open-adapter.ts';
import { createSimulation, type Simulation } from '../sim/simulation.ts';
import { Hub } from '../hub/hub.ts';
import { appDataDir, ensureDir } from '../hub/store/app-data.ts';
import { LOG_FILE, LogStore } from '../hub/store/database.ts';
import { exportLog } from '../hub/store/export.ts';
import { EXPORT_PARTS_FILE, ExportParts } from '../hub/store/export-parts.ts';
import { describeLogNotice, type LogNotice } from '../hub/store/log-health.ts';
import { retentionPolicy } from '../hub/store/log-retention.ts';
import { SettingsStore } from '../app/settings-store.ts';
import { PAIRED_FILE, PairedDevices, SIM_PAIRED_FILE } from '../hub/store/paired-devices.ts';
import { boardPackages } from '../sim/board-packages.ts';
import { adapterAdvice } from './adapter-advice.ts';
import { parseHubArgs, type HubArgs } from './hub-args.ts';
import { statusTable, summaryRecords, summaryTable } from './hub-table.ts';
import { onStopSignal, stdinIsPipe } from './stop-requests.ts';
import { HUB_USAGE } from './usage.ts';
import { HubMqtt, type HubMqttNotice } from '../mqtt/hub-mqtt.ts';

/** --duration counts from when every paired device is linked, or from this long after start. */
const SETTLE_LIMIT_MS = 15_000;

interface Output {
  event(record: Record<string, unknown>, text: string): void;
  /** `record`: what a --json reader needs beyond the text (an adapter's code and hint). */
  error(text: string, record?: Record<string, unknown>): void;
}

function output(json: boolean): Output {
  return {
    event: (record, text) => {
      if (json) process.stdout.write(JSON.stringify({ t: Date.now(), ...record }) + '\n');
      else console.log(text);
    },
    error: (text, record = {}) => {
      if (json) process.stdout.write(JSON.stringify({ t: Date.now(), type: 'error', ...record, message: text }) + '\n');
      console.error(`error: ${text}`);
    },
  };
}

export async function runHub(argv: string[]): Promise<number> {
  const args = parseHubArgs(argv);
  if (args === 'help') {
    console.log(HUB_USAGE);
    return 0;
  }
  const out = output(args.json);
  const home = ensureDir(args.home ?? appDataDir());

  let simulation: Simulation | null = null;
  const adapters: Adapter[] = [];
  let log: LogStore | null = null;
  const cleanup = async (): Promise<void> => {
    for (const a of adapters) a.stop();
    log?.close();
    await simulation?.close();
  };
  try {
    if (args.sim) {
      const packages = await boardPackages(args.lib, home);
      if (packages.notice) out.event({ type: 'warning', message: packages.notice }, `warning: ${packages.notice}`);
      simulation = createSimulation({ picos: args.sim, firmwareDir: args.firmware, frozen: packages.files });
      adapters.push(...simulation.adapters);
    }
    const specs = args.adapters.length || args.sim ? args.adapters : [{ kind: 'default' as const }];
    for (const spec of specs) {
      const opened = openAdapter(spec);
      if (!opened.adapter) {
        out.error(adapterAdvice(opened.name, opened.status), { adapter: opened.name, code: opened.status.code, hint: opened.status.hint });
        await cleanup();
        return 1;
      }
      adapters.push(opened.adapter);
    }
    log = LogStore.open(path.join(home, LOG_FILE), { onNotice: (n) => logNotice(out, n) });
  } catch (e) {
    out.error((e as Error).message);
    await cleanup();
    return 1;
  }

  const parts = new ExportParts(path.join(home, EXPORT_PARTS_FILE));
  const leftovers = await parts.removeStale();
  if (leftovers.length) out.event({ type: 'cleaned', files: leftovers }, `removed ${leftovers.length} unfinished export file(s) an earlier run left behind: ${leftovers.join(', ')}`);
  // The log is shared with the desktop app: its retention setting holds here too unless a flag
  // says otherwise, so a CLI run never deletes what the app was told to keep.
  const { store: settings, warning: settingsWarning } = SettingsStore.load(home);
  if (settingsWarning) out.event({ type: 'warning', message: settingsWarning }, `warning: ${settingsWarning}`);
  const kept = settings.get();
  await log.setRetention(retentionPolicy(args.keepDays ?? kept.logKeepDays, args.keepGb ?? kept.logKeepGb));

  const pairedFile = path.join(home, args.sim && !args.adapters.length ? SIM_PAIRED_FILE : PAIRED_FILE);
  const { store: paired, warning } = PairedDevices.load(pairedFile);
  if (warning) out.event({ type: 'warning', message: warning }, `warning: ${warning}`);
  if (simulation && !args.adapters.length) {
    // Boards of an earlier, larger simulation cannot come back: keep the list to this one's.
    for (const d of paired.list()) if (!simulation.addresses.includes(d.address)) await paired.remove(d.address);
  }
  const sessionId = log.startSession({ command: 'hub', sim: args.sim, adapters: adapters.map((a) => a.name), pingHz: args.pingHz });
  const hub = new Hub({ adapters, paired, log, pingHz: args.pingHz });
  wireEvents(hub, out, args);
  let mqtt: HubMqtt | null = null;
  if (args.mqtt) {
    mqtt = new HubMqtt(hub, args.mqtt);
    mqtt.on('notice', (n) => mqttNotice(out, n));
    out.event({ type: 'mqtt', state: 'connecting', url: mqtt.url, topics: mqtt.topics.base }, `MQTT: publishing to ${mqtt.url} under ${mqtt.topics.base}/`);
    mqtt.start();
  }

  if (simulation) {
    out.event({ type: 'sim', picos: args.sim }, `starting ${args.sim} virtual Pico(s)...`);
    await simulation.start();
  }
  hub.start();
  const toPair = args.pair.length ? args.pair : simulation ? simulation.addresses : [];
  for (const p of toPair) {
    hub.pair(p).then(
      (address) => out.event({ type: 'paired', device: address, as: p }, `paired ${p}${p === address ? '' : ` (${address})`}`),
      (e: Error) => out.error(`pairing ${p}: ${e.message}`),
    );
  }
  if (!toPair.length && paired.list().length === 0) {
    out.event({ type: 'hint', message: 'no paired devices' }, 'No paired devices: the table lists what the scan hears. Run again with --pair NAME (or try --sim 4).');
  }

  const exitCode = await runUntilDone(hub, args, out);
  await hub.stop();
  await mqtt?.stop();
  const records = summaryRecords(hub.status());
  log.close();
  if (args.json) process.stdout.write(JSON.stringify({ t: Date.now(), type: 'summary', session: sessionId, devices: records }) + '\n');
  else console.log(`\nSummary (session ${sessionId}, RTT in ms):\n${summaryTable(records)}`);
  let code = exitCode;
  if (args.exportFile && args.exportFormat) {
    try {
      const r = await exportLog(log.file, args.exportFile, {
        format: args.exportFormat,
        filter: { session: sessionId },
        onProgress: (p) => {
          if (!args.json && process.stderr.isTTY) process.stderr.write(`\rexporting ${p.rows}/${p.total} rows`);
        },
        parts,
      });
      out.event({ type: 'exported', file: r.file, rows: r.rows }, `${process.stderr.isTTY && !args.json ? '\n' : ''}exported ${r.rows} rows to ${r.file}`);
    } catch (e) {
      out.error(`export to ${args.exportFile} failed: ${(e as Error).message}`);
      code = 1;
    }
  }
  await simulation?.close();
  return code;
}

function mqttNotice(out: Output, n: HubMqttNotice): void {
  if (n.kind === 'connected') out.event({ type: 'mqtt', state: 'connected', url: n.url }, `MQTT: connected to ${n.url}`);
  else if (n.kind === 'disconnected') out.event({ type: 'mqtt', state: 'disconnected', url: n.url, why: n.why }, `warning: MQTT: ${n.url}: ${n.why}`);
  else out.event({ type: 'warning', message: n.text }, `warning: ${n.text}`);
}

/** What the log reports instead of throwing (a full disk once, its end, retention), as the app shows it. */
function logNotice(out: Output, n: LogNotice): void {
  const { level, text } = describeLogNotice(n);
  if (level === 'error') out.error(text);
  else out.event({ type: 'log', event: n.kind, level, message: text }, `${level === 'warning' ? 'warning' : 'log'}: ${text}`);
}

function wireEvents(hub: Hub, out: Output, args: HubArgs): void {
  // noble re-polls a missing adapter and flips between states: say each thing once until it is on.
  const said = new Map<string, Set<string>>();
  hub.on('adapter', (a) => {
    const seen = said.get(a.adapter) ?? new Set<string>();
    said.set(a.adapter, seen);
    if (a.code === 'powered-on') seen.clear();
    else if (seen.has(a.code)) return;
    else seen.add(a.code);
    const message = adapterAdvice(a.adapter, a);
    out.event({ type: 'adapter', adapter: a.adapter, state: a.state, code: a.code, hint: a.hint, message }, message);
  });
  hub.on('warning', (w) => out.event({ type: 'warning', message: w }, `warning: ${w}`));
  hub.on('state', (c) => {
    // The live table shows states on a terminal; elsewhere each change is a line of its own.
    if (args.json || !process.stdout.isTTY) {
      out.event(
        { type: 'state', device: c.address, name: c.name, state: c.state, previous: c.previous, reason: c.reason, fault: c.fault, adapter: c.adapter },
        `${c.name ?? c.address}: ${c.state} (${c.reason})${c.adapter ? ` via ${c.adapter}` : ''}`,
      );
    }
  });
  hub.on('message', ({ address, entry }) => {
    if (entry.direction !== 'in') return;
    const text = entry.message.kind === 'text' ? entry.message.text : Buffer.from(entry.message.bytes).toString('hex');
    out.event({ type: 'message', device: address, kind: entry.message.kind, body: text }, `${address} < ${text}`);
  });
}

/** Resolves with the exit code when --duration has run out, on SIGINT/SIGTERM/SIGHUP, or when a parent's pipe on standard input closes. */
function runUntilDone(hub: Hub, args: HubArgs, out: Output): Promise<number> {
  const started = Date.now();
  let measuringSince: number | null = null;
  let drawn = 0;
  let ticks = 0;
  return new Promise((resolve) => {
    const finish = (code: number): void => {
      clearInterval(timer);
      clearTimeout(deadline);
      removeSignals();
      process.stdin.off('end', onStdinEnd);
      if (fromParent) process.stdin.destroy();
      resolve(code);
    };
    const removeSignals = onStopSignal(() => finish(0));
    const onStdinEnd = (): void => finish(0);
    const fromParent = stdinIsPipe();
    if (fromParent) process.stdin.on('end', onStdinEnd).resume();
    const tick = (): void => {
      const now = Date.now();
      const status = hub.status(now);
      const paired = status.filter((d) => d.paired);
      if (measuringSince === null && ((paired.length > 0 && paired.every((d) => d.state === 'linked')) || now - started > SETTLE_LIMIT_MS)) {
        measuringSince = now;
        if (args.durationS !== null) {
          out.event({ type: 'measuring', seconds: args.durationS }, `measuring for ${args.durationS} s`);
          deadline = setTimeout(() => finish(0), args.durationS * 1000);
        }
      }
      if (args.json) {
        process.stdout.write(JSON.stringify({ t: now, type: 'status', devices: summaryRecords(status) }) + '\n');
      } else if (process.stdout.isTTY) {
        const text = statusTable(status, now);
        // Redraw in place: up to the table's first line, then clear below.
        process.stdout.write((drawn ? `\x1b[${drawn}F\x1b[J` : '') + text + '\n');
        drawn = text.split('\n').length;
      } else if (++ticks % 10 === 0) {
        console.log(statusTable(status, now));
      }
    };
    let deadline: NodeJS.Timeout | undefined;
    const timer = setInterval(tick, 1_000);
  });
}
