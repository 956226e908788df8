// The one contract between the renderer and the hub: every request the UI may make, what it
// answers, and every event pushed to the UI, as zod schemas with the TypeScript types inferred
// from them. Main validates each request against these (the renderer is untrusted); the preload
// and the test bridge carry the same messages, so the UI cannot tell them apart.
import { z } from 'zod';

/**
 * A device's key: its lower-case Bluetooth address on this computer, or `HUB/address` for a device
 * another hub publishes over MQTT (two hubs may each see the same address: simulated boards do).
 * A hub name is one MQTT topic level (mqtt/topics.ts checkHubName): no '/', '+' or '#', no
 * leading '$' (MQTT 5.0 sections 4.7.1, 4.7.2), at most 64 characters.
 */
export const REMOTE_HUB_NAME = /^[^/+#$][^/+#]{0,63}$/;
const address = z
  .string()
  .regex(/^([^/+#$][^/+#]{0,63}\/)?[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a lower-case Bluetooth address like aa:bb:cc:dd:ee:ff, or HUB/aa:bb:cc:dd:ee:ff for a remote hub');
/** A device as the user names it: its address or its advertised name. */
const target = z.string().trim().min(1).max(64);

export const profileSchema = z.enum(['picolink', 'tutorial', 'nus']);
export const linkStateSchema = z.enum(['unpaired', 'stopped', 'waiting', 'queued', 'connecting', 'discovering', 'linked', 'backoff', 'disconnecting']);

export const rttSnapshotSchema = z.object({
  count: z.number(),
  lost: z.number(),
  lossPercent: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
});

/**
 * The physical limit of the link a throughput test ran on (Core 5.4 airtime, hci/airtime.ts):
 * application bytes per second for its PHY, interval, ATT_MTU and LL data length. `assumed` names
 * what the adapter did not report and was taken as the default (PHY 1M, 27-octet PDUs).
 */
export const throughputLimitSchema = z.object({
  bytesPerSecond: z.number().nonnegative(),
  phy: z.enum(['1M', '2M', 'coded']),
  intervalMs: z.number().positive(),
  attMtu: z.number().int().min(23),
  maxTxOctets: z.number().int().min(27).max(251),
  assumed: z.array(z.enum(['phy', 'data-length'])),
  /** THROUGHPUT_DATA frames the device kept unacknowledged at most; null when its firmware cannot be asked. */
  ahead: z.number().int().min(1).max(16).nullable(),
});

export const throughputSchema = z.object({
  octets: z.number(),
  firmwareOctets: z.number(),
  firmwareMs: z.number(),
  hubMs: z.number(),
  bytesPerSecond: z.number(),
  limit: throughputLimitSchema,
});

export const deviceSchema = z.object({
  address,
  name: z.string().nullable(),
  paired: z.boolean(),
  state: linkStateSchema,
  reason: z.string(),
  /** Set while the link's GATT setup keeps failing the same way; shown until it links. */
  fault: z.string().nullable(),
  adapter: z.string().nullable(),
  profile: profileSchema.nullable(),
  rssi: z.number().nullable(),
  lastSeen: z.number().nullable(),
  mtu: z.number().nullable(),
  intervalMs: z.number(),
  window: rttSnapshotSchema,
  total: rttSnapshotSchema,
  firmwareMs: z.number().nullable(),
  messagesIn: z.number(),
  messagesOut: z.number(),
  bad: z.number(),
  lastThroughput: throughputSchema.nullable(),
  /** The hub that reaches the device: null for this computer's adapters, else the name it publishes under on MQTT. */
  hub: z.string().nullable(),
  /** False while the device's hub is offline (its MQTT last will, or the broker lost): the rest is its last known state. */
  online: z.boolean(),
});

/** noble's power state for the adapter. */
export const adapterPowerSchema = z.enum(['unknown', 'resetting', 'unsupported', 'unauthorized', 'poweredOff', 'poweredOn']);
const platformSchema = z.enum(['linux', 'darwin', 'windows', 'other']);
const noHint = z.object({}).strict();

/**
 * What is the matter with an adapter, as a code and the data to advise on it with (the hub's
 * AdapterStatus, hub/adapter/adapter-state.ts); the renderer words the advice itself.
 */
export const adapterStatusSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('powered-on'), hint: noHint }),
  z.object({ code: z.literal('unknown'), hint: noHint }),
  z.object({ code: z.literal('resetting'), hint: noHint }),
  z.object({ code: z.literal('powered-off'), hint: z.object({ platform: platformSchema }) }),
  z.object({ code: z.literal('sim-off'), hint: noHint }),
  z.object({ code: z.literal('no-controller'), hint: z.object({ port: z.string(), baudRate: z.number().nullable() }) }),
  /** setcap: the Linux command that allows raw HCI access, to show and copy. */
  z.object({ code: z.literal('unauthorized'), hint: z.object({ platform: platformSchema, setcap: z.string().nullable() }) }),
  z.object({ code: z.literal('unsupported'), hint: noHint }),
  z.object({ code: z.literal('port-missing'), hint: z.object({ port: z.string() }) }),
  z.object({ code: z.literal('start-failed'), hint: z.object({ cause: z.string() }) }),
]);

export const adapterSchema = z.object({ name: z.string(), state: adapterPowerSchema }).and(adapterStatusSchema);

/** The largest throughput test the UI may ask for, in octets. */
export const MAX_THROUGHPUT_OCTETS = 10_000_000;

/** The longest message body: characters of text, or bytes of data. */
export const MAX_MESSAGE_LENGTH = 4096;

/** A message body on the wire: text as is, bytes as lower-case hex. */
export const messageBodySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().min(1).max(MAX_MESSAGE_LENGTH) }),
  z.object({ kind: z.literal('data'), hex: z.string().regex(/^([0-9a-f]{2})+$/).max(2 * MAX_MESSAGE_LENGTH) }),
]);

export const historyEntrySchema = z.object({
  at: z.number(),
  direction: z.enum(['in', 'out']),
  body: messageBodySchema,
});

/** The settings' ranges, shared by the schema and the Settings form's own hints. */
export const SETTINGS_LIMITS = {
  pingHz: { min: 0, max: 100 },
  baudRate: { min: 1200, max: 4_000_000 },
  simPicos: { min: 1, max: 64 },
  /** Firmware groups in the simulator (their boards together stay within simPicos). */
  simGroups: { max: 8 },
  /** Log retention: rows older than this many days are deleted. */
  logKeepDays: { min: 1, max: 36_500 },
  /** Log retention: the oldest rows go once the log's data passes this many GB. */
  logKeepGb: { min: 0.1, max: 10_000 },
} as const;
const L = SETTINGS_LIMITS;

/**
 * Virtual Picos that run one firmware folder: null is PicoLink's own firmware/. A folder is one the
 * user chose in main's folder dialog (sim.chooseFirmware) or one the settings already held: main
 * refuses any other path, as it refuses a UART port the OS does not list.
 */
export const simGroupSchema = z.strictObject({
  count: z.number().int().min(L.simPicos.min).max(L.simPicos.max),
  firmwareDir: z.string().min(1).max(4096).nullable(),
});

export const adapterChoiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('system') }),
  z.object({ kind: z.literal('uart'), port: z.string().min(1).max(256), baudRate: z.number().int().min(L.baudRate.min).max(L.baudRate.max).optional() }),
  z.object({
    kind: z.literal('sim'),
    picos: z.number().int().min(L.simPicos.min).max(L.simPicos.max),
    /** Absent: `picos` boards of PicoLink's firmware. Present: these boards, `picos` being their sum. */
    groups: z.array(simGroupSchema).min(1).max(L.simGroups.max).optional(),
  }),
]);

/** Most brokers the dashboard reads at once. */
export const MAX_BROKERS = 8;

/**
 * A broker the dashboard reads hubs from. The password is kept in settings.json, which only the
 * user may read (written 0600); settings.get never returns it: `passwordSet` says one is kept,
 * and settings.set keeps it for the same url and user unless a new one is given.
 */
export const brokerSchema = z.object({
  url: z.string().trim().max(512).regex(/^mqtts?:\/\/[^\s/]+(:\d{1,5})?\/?$/, 'a broker URL like mqtt://host:1883 or mqtts://host:8883'),
  /** The hubs' topic prefix: one or more topic levels with no wildcard (MQTT 5.0 section 4.7.1). */
  prefix: z.string().trim().min(1).max(64).regex(/^[^+#\s]+$/, 'a topic prefix with no + or #').refine((p) => !p.startsWith('/') && !p.endsWith('/'), 'a prefix neither starts nor ends with /'),
  user: z.string().max(256).optional(),
  password: z.string().max(1024).optional(),
  passwordSet: z.boolean().optional(),
  /** A CA certificate (PEM) to trust for mqtts:// besides the system's. */
  ca: z.string().max(65_536).optional(),
});

/** Where devices come from: this computer's adapters, and the hubs on each broker. */
export const sourcesSchema = z.object({ adapters: z.boolean(), brokers: z.array(brokerSchema).max(MAX_BROKERS) });

/**
 * This computer's hub publishing to a broker, as `picolink hub --mqtt` does (docs/MQTT.md): the
 * broker (its password kept as a source's is), this hub's name (one topic level) and whether to
 * publish Home Assistant discovery configs. null: not publishing.
 */
export const mqttPublishSchema = brokerSchema.extend({
  hubName: z.string().regex(REMOTE_HUB_NAME, 'a hub name with no /, + or #, not starting with $, at most 64 characters'),
  haDiscovery: z.boolean(),
});

export const settingsSchema = z.object({
  pingHz: z.number().min(L.pingHz.min).max(L.pingHz.max),
  adapter: adapterChoiceSchema,
  theme: z.enum(['light', 'dark', 'system']),
  logKeepDays: z.number().int().min(L.logKeepDays.min).max(L.logKeepDays.max),
  logKeepGb: z.number().min(L.logKeepGb.min).max(L.logKeepGb.max),
  sources: sourcesSchema,
  mqttPublish: mqttPublishSchema.nullable(),
});

export const DEFAULT_SETTINGS: Settings = { pingHz: 10, adapter: { kind: 'system' }, theme: 'system', logKeepDays: 365, logKeepGb: 2, sources: { adapters: true, brokers: [] }, mqttPublish: null };

export const exportFormatSchema = z.enum(['csv', 'ndjson']);

/**
 * The renderer never names a file: main shows the save dialog and answers with this opaque,
 * single-use token for the user's choice (32 random bytes, base64url), which export.run takes.
 */
export const exportTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a token from export.chooseFile');

/** Strict: a request that also names a path (or anything else) is refused, not quietly trimmed. */
export const exportRequestSchema = z.strictObject({
  token: exportTokenSchema,
  /** Address (HUB/address for a remote device) or name; absent: every device. */
  device: z.union([address, target]).optional(),
  /** Epoch ms, inclusive / exclusive. */
  from: z.number().optional(),
  to: z.number().optional(),
});

/** The user's choice in the save dialog: the path only to show it, the token to export to it. */
export const exportChoiceSchema = z.object({ token: exportTokenSchema, file: z.string(), format: exportFormatSchema });

/** A serial port as the OS lists it: the only ports Settings may choose for a UART adapter. */
export const serialPortSchema = z.object({ path: z.string(), label: z.string().nullable() });

/** What goes wrong talking to a board over USB (usb/errors.ts UsbErrorCode); the renderer words the advice. */
export const usbErrorCodeSchema = z.enum(['not-micropython', 'port-busy', 'no-answer', 'cancelled', 'board-error', 'no-port']);

/** A serial port that may be a MicroPython board, as usb/listing.ts probed it. */
export const usbBoardSchema = z.object({
  path: z.string(),
  label: z.string().nullable(),
  micropython: z.object({ version: z.string(), machine: z.string() }).nullable(),
  picolink: z.object({ version: z.string() }).nullable(),
  error: z.object({ code: usbErrorCodeSchema, message: z.string() }).optional(),
});

/** firmware/config.py's NAME: advertised in the scan response, 29 characters at most; no quotes or escapes. */
export const boardNameSchema = z.string().trim().regex(/^[A-Za-z0-9 _.-]{1,29}$/, 'letters, digits, space, _ . - (1 to 29)');
/** firmware/config.py APP values (firmware/examples). */
export const boardAppSchema = z.enum(['dashboard', 'hello', 'temperature']);

/** The Install form: what config.py gets (usb/installer.ts InstallConfig). */
export const installConfigSchema = z.strictObject({
  name: boardNameSchema,
  role: z.enum(['central', 'peripheral']),
  peer: boardNameSchema.optional(),
  app: boardAppSchema.optional(),
});

/** Strict: a board from the last usb.list only (main refuses other paths); nothing else. */
export const usbInstallRequestSchema = z.strictObject({ path: z.string().min(1).max(4096), config: installConfigSchema });

/** Requests: channel → [request schema, response schema]. */
export const requests = {
  'app.info': [z.object({}), z.object({ name: z.string(), version: z.string(), electron: z.string().nullable(), node: z.string(), logFile: z.string() })],
  'hub.status': [z.object({}), z.object({ adapters: z.array(adapterSchema), devices: z.array(deviceSchema), pingHz: z.number(), running: z.boolean() })],
  'device.pair': [z.object({ target }), z.object({ address })],
  'device.unpair': [z.object({ address }), z.object({ removed: z.boolean() })],
  'device.connect': [z.object({ address }), z.object({})],
  'device.disconnect': [z.object({ address }), z.object({})],
  'device.send': [z.object({ target: z.union([address, z.literal('all')]), body: messageBodySchema }), z.object({ sentTo: z.array(address) })],
  'device.history': [z.object({ address }), z.object({ entries: z.array(historyEntrySchema) })],
  'device.throughput': [z.object({ address, octets: z.number().int().min(1).max(MAX_THROUGHPUT_OCTETS) }), z.object({})],
  'settings.get': [z.object({}), settingsSchema],
  'settings.set': [settingsSchema.partial(), settingsSchema],
  'adapter.ports': [z.object({}), z.object({ ports: z.array(serialPortSchema) })],
  /** Connects once to a broker as Settings → Sources would (a stored password is used if none is given) and lists the hubs it carries. */
  'sources.test': [brokerSchema, z.object({ ok: z.boolean(), hubs: z.array(z.object({ name: z.string(), online: z.boolean() })), error: z.string().nullable() })],
  'export.chooseFile': [z.strictObject({ format: exportFormatSchema }), z.object({ chosen: exportChoiceSchema.nullable() })],
  /** `again`: a fresh token for the same file, so the same choice can be exported to once more. */
  'export.run': [exportRequestSchema, z.object({ rows: z.number(), file: z.string(), format: exportFormatSchema, again: exportTokenSchema })],
  /** Probes the serial ports (and the simulator's boards' USB ports) for MicroPython boards. */
  'usb.list': [z.strictObject({}), z.object({ boards: z.array(usbBoardSchema) })],
  /** Starts an install; its progress and end come as usb.progress and usb.done. One at a time. */
  'usb.install': [usbInstallRequestSchema, z.object({})],
  'usb.cancel': [z.strictObject({}), z.object({ cancelled: z.boolean() })],
  /** Main's folder dialog for a simulator group's firmware; `name` is what the UI shows. */
  'sim.chooseFirmware': [z.strictObject({}), z.object({ chosen: z.object({ dir: z.string(), name: z.string() }).nullable() })],
} as const;

/** A latency sample as charts need it. */
export const sampleSchema = z.object({ t: z.number(), seq: z.number(), rttMs: z.number().nullable() });

/** Messages shown per device per batch; more in one batch are counted in `dropped` (the log and the history keep them). */
export const MAX_MESSAGES_PER_BATCH = 200;

/** Events: channel → payload schema. Samples and messages are batched (one event per ~100 ms) to bound IPC traffic. */
export const events = {
  status: z.object({ adapters: z.array(adapterSchema), devices: z.array(deviceSchema), pingHz: z.number(), running: z.boolean() }),
  samples: z.object({ batches: z.array(z.object({ address, samples: z.array(sampleSchema) })) }),
  messages: z.object({ batches: z.array(z.object({ address, entries: z.array(historyEntrySchema).max(MAX_MESSAGES_PER_BATCH), dropped: z.number().int().nonnegative() })) }),
  state: z.object({ address, name: z.string().nullable(), state: linkStateSchema, previous: linkStateSchema, reason: z.string(), fault: z.string().nullable(), at: z.number() }),
  throughput: z.object({ address, result: throughputSchema }),
  'export.progress': z.object({ rows: z.number(), total: z.number() }),
  notice: z.object({ level: z.enum(['info', 'warning', 'error']), text: z.string() }),
  /** An application-menu command the renderer carries out (File > Export... opens its export panel). Sent by the Electron shell only. */
  menu: z.object({ action: z.enum(['export']) }),
  'usb.progress': z.object({ path: z.string(), phase: z.enum(['probe', 'copy', 'config', 'rename', 'reset', 'done']), file: z.string().optional(), done: z.number(), total: z.number() }),
  /** The end of a usb.install: installed, or why not (hint: what to do, from usb/errors.ts). */
  'usb.done': z.discriminatedUnion('ok', [
    z.object({ path: z.string(), ok: z.literal(true), version: z.string(), files: z.number(), bytes: z.number() }),
    z.object({ path: z.string(), ok: z.literal(false), code: usbErrorCodeSchema, message: z.string(), hint: z.string() }),
  ]),
  /** What the simulator's boards printed (their USB console), batched; `address` is the board's device key. */
  'board.console': z.object({ batches: z.array(z.object({ board: z.string(), address, lines: z.array(z.object({ at: z.number(), text: z.string() })) })) }),
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestOf<C extends RequestChannel> = z.input<(typeof requests)[C][0]>;
/** A request as main sees it after parseRequest (defaults applied, strings trimmed). */
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof requests)[C][0]>;
export type ResponseOf<C extends RequestChannel> = z.infer<(typeof requests)[C][1]>;
export type EventOf<C extends EventChannel> = z.infer<(typeof events)[C]>;

export type Settings = z.infer<typeof settingsSchema>;
export type BrokerSettings = z.infer<typeof brokerSchema>;
export type MqttPublishSettings = z.infer<typeof mqttPublishSchema>;
export type DeviceView = z.infer<typeof deviceSchema>;
export type AdapterView = z.infer<typeof adapterSchema>;
export type AdapterCodeView = z.infer<typeof adapterStatusSchema>['code'];
export type HistoryEntryView = z.infer<typeof historyEntrySchema>;
export type MessageBody = z.infer<typeof messageBodySchema>;
export type Sample = z.infer<typeof sampleSchema>;
export type UsbBoardView = z.infer<typeof usbBoardSchema>;
export type UsbErrorCodeView = z.infer<typeof usbErrorCodeSchema>;
export type InstallConfigView = z.infer<typeof installConfigSchema>;
export type SimGroup = z.infer<typeof simGroupSchema>;

/**
 * What the renderer sees as `window.picolink` (preload) or gets from the test bridge: one
 * request function and one subscription function, both typed by channel.
 */
export interface PicoLinkApi {
  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>>;
  /** Returns the unsubscribe function. */
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void;
}

export class ContractError extends Error {
  override readonly name = 'ContractError';
}

/** Parses a request at the trust boundary; throws ContractError with a readable reason. */
export function parseRequest<C extends RequestChannel>(channel: string, payload: unknown): { channel: C; payload: ParsedRequestOf<C> } {
  if (!Object.hasOwn(requests, channel)) throw new ContractError(`unknown request channel ${JSON.stringify(channel)}`);
  const schema = requests[channel as C][0];
  const r = schema.safeParse(payload);
  if (!r.success) throw new ContractError(`bad ${channel} request: ${z.prettifyError(r.error).replace(/\n/g, ' ')}`);
  return { channel: channel as C, payload: r.data as ParsedRequestOf<C> };
}
