// `picolink hub` flags, checked in full before anything starts: a wrong flag is a usage error
// (exit 2), never a half-started hub.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { AdapterSpecError, parseAdapterSpec, type AdapterSpec } from '../hub/adapter/adapter-spec.ts';
import { DEFAULT_FIRMWARE_DIR } from '../sim/simulation.ts';
import { formatFromPath } from '../hub/store/export.ts';
import { SETTINGS_LIMITS } from '../ipc/contract.ts';
import { BrokerUrlError, parseBrokerUrl, type BrokerUrl } from '../mqtt/connection.ts';
import { checkHubName, checkPrefix, DEFAULT_PREFIX, sanitiseHubName, TopicError } from '../mqtt/topics.ts';
import { libFolder } from './lib-folder-arg.ts';
import { parseFlags, UsageError } from './usage.ts';

export interface HubArgs {
  sim: number;
  firmware: string;
  /** --lib: the simulator's frozen packages from these folders instead of the package index. */
  lib: string[];
  adapters: AdapterSpec[];
  pair: string[];
  pingHz: number;
  durationS: number | null;
  exportFile: string | null;
  exportFormat: 'csv' | 'ndjson' | null;
  json: boolean;
  home: string | null;
  /** Log retention for this run; null: the app's setting (settings.json), else its default. */
  keepDays: number | null;
  keepGb: number | null;
  /** --mqtt: publish to this broker (issue 17), or null. */
  mqtt: MqttArgs | null;
}

export interface MqttArgs {
  broker: BrokerUrl;
  prefix: string;
  hubName: string;
  haDiscovery: boolean;
  caFile: string | null;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function number(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} takes a number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

export function parseHubArgs(argv: string[]): HubArgs | 'help' {
  const v = parseFlags(argv, {
    sim: { type: 'string' },
    firmware: { type: 'string' },
    lib: { type: 'string', multiple: true },
    hci: { type: 'string', multiple: true },
    pair: { type: 'string', multiple: true },
    'ping-hz': { type: 'string' },
    duration: { type: 'string' },
    export: { type: 'string' },
    json: { type: 'boolean' },
    home: { type: 'string' },
    'keep-days': { type: 'string' },
    'keep-gb': { type: 'string' },
    mqtt: { type: 'string' },
    'mqtt-prefix': { type: 'string' },
    'mqtt-ca': { type: 'string' },
    'hub-name': { type: 'string' },
    'ha-discovery': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return 'help';
  const sim = v.sim === undefined ? 0 : wholeNumber('--sim', v.sim, 1, 64);
  if (v.firmware !== undefined && !sim) throw new UsageError('--firmware applies to the simulator: add --sim N');
  const firmware = path.resolve(v.firmware ?? DEFAULT_FIRMWARE_DIR);
  if (sim && !existsSync(path.join(firmware, 'main.py'))) throw new UsageError(`${firmware} is not a firmware folder (no main.py)`);
  if (v.lib !== undefined && !sim) throw new UsageError('--lib applies to the simulator: add --sim N');
  const lib = (v.lib ?? []).map(libFolder);
  let adapters: AdapterSpec[];
  try {
    adapters = (v.hci ?? []).map(parseAdapterSpec);
  } catch (e) {
    if (e instanceof AdapterSpecError) throw new UsageError(`--hci ${e.message}`);
    throw e;
  }
  const pair = (v.pair ?? []).map((p) => p.trim());
  if (pair.some((p) => p === '')) throw new UsageError('--pair takes a device name or address');
  const pingHz = v['ping-hz'] === undefined ? 10 : number('--ping-hz', v['ping-hz'], 0, 100);
  const durationS = v.duration === undefined ? null : number('--duration', v.duration, 0.1, 7 * 24 * 3600);
  let exportFile: string | null = null;
  let exportFormat: 'csv' | 'ndjson' | null = null;
  if (v.export !== undefined) {
    exportFormat = formatFromPath(v.export);
    if (!exportFormat) throw new UsageError(`--export ${v.export}: the file name must end in .csv, .ndjson or .jsonl`);
    exportFile = path.resolve(v.export);
    if (!existsSync(path.dirname(exportFile))) throw new UsageError(`--export ${v.export}: the folder ${path.dirname(exportFile)} does not exist`);
  }
  const keep = SETTINGS_LIMITS;
  const keepDays = v['keep-days'] === undefined ? null : wholeNumber('--keep-days', v['keep-days'], keep.logKeepDays.min, keep.logKeepDays.max);
  const keepGb = v['keep-gb'] === undefined ? null : number('--keep-gb', v['keep-gb'], keep.logKeepGb.min, keep.logKeepGb.max);
  const mqtt = mqttArgs(v);
  return {
    sim,
    firmware,
    lib,
    adapters,
    pair,
    pingHz,
    durationS,
    exportFile,
    exportFormat,
    json: v.json ?? false,
    home: v.home ? path.resolve(v.home) : null,
    keepDays,
    keepGb,
    mqtt,
  };
}

function mqttArgs(v: { mqtt?: string; 'mqtt-prefix'?: string; 'mqtt-ca'?: string; 'hub-name'?: string; 'ha-discovery'?: boolean }): MqttArgs | null {
  if (v.mqtt === undefined) {
    for (const flag of ['mqtt-prefix', 'mqtt-ca', 'hub-name', 'ha-discovery'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} applies to publishing: add --mqtt mqtt://host[:port]`);
    }
    return null;
  }
  try {
    const broker = parseBrokerUrl(v.mqtt);
    const prefix = checkPrefix(v['mqtt-prefix'] ?? DEFAULT_PREFIX);
    const hubName = checkHubName(v['hub-name'] ?? sanitiseHubName(hostname()));
    let caFile: string | null = null;
    if (v['mqtt-ca'] !== undefined) {
      caFile = path.resolve(v['mqtt-ca']);
      if (!existsSync(caFile)) throw new UsageError(`--mqtt-ca ${v['mqtt-ca']}: no such file`);
      if (broker.protocol !== 'mqtts') throw new UsageError('--mqtt-ca applies to TLS: use an mqtts:// URL');
    }
    return { broker, prefix, hubName, haDiscovery: v['ha-discovery'] ?? false, caFile };
  } catch (e) {
    if (e instanceof BrokerUrlError) throw new UsageError(`--mqtt ${e.message}`);
    if (e instanceof TopicError) throw new UsageError(`${/hub name/.test(e.message) ? '--hub-name' : '--mqtt-prefix'}: ${e.message}`);
    throw e;
  }
}
