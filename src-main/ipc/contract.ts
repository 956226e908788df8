// The one contract between the renderer and the hub: every request the UI may make, what it
// answers, and every event pushed to the UI, as zod schemas with the TypeScript types inferred
// from them. Main validates each request against these (the renderer is untrusted); the preload
// and the test bridge carry the same messages, so the UI cannot tell them apart.
import { z } from 'zod';

const address = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a lower-case Bluetooth address like aa:bb:cc:dd:ee:ff');
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
  /** Log retention: rows older than this many days are deleted. */
  logKeepDays: { min: 1, max: 36_500 },
  /** Log retention: the oldest rows go once the log's data passes this many GB. */
  logKeepGb: { min: 0.1, max: 10_000 },
} as const;
const L = SETTINGS_LIMITS;

export const adapterChoiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('system') }),
  z.object({ kind: z.literal('uart'), port: z.string().min(1).max(256), baudRate: z.number().int().min(L.baudRate.min).max(L.baudRate.max).optional() }),
  z.object({ kind: z.literal('sim'), picos: z.number().int().min(L.simPicos.min).max(L.simPicos.max) }),
]);

export const settingsSchema = z.object({
  pingHz: z.number().min(L.pingHz.min).max(L.pingHz.max),
  adapter: adapterChoiceSchema,
  theme: z.enum(['light', 'dark', 'system']),
  logKeepDays: z.number().int().min(L.logKeepDays.min).max(L.logKeepDays.max),
  logKeepGb: z.number().min(L.logKeepGb.min).max(L.logKeepGb.max),
});

export const DEFAULT_SETTINGS: Settings = { pingHz: 10, adapter: { kind: 'system' }, theme: 'system', logKeepDays: 365, logKeepGb: 2 };

export const exportFormatSchema = z.enum(['csv', 'ndjson']);

/**
 * The renderer never names a file: main shows the save dialog and answers with this opaque,
 * single-use token for the user's choice (32 random bytes, base64url), which export.run takes.
 */
export const exportTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a token from export.chooseFile');

/** Strict: a request that also names a path (or anything else) is refused, not quietly trimmed. */
export const exportRequestSchema = z.strictObject({
  token: exportTokenSchema,
  /** Address or name; absent: every device. */
  device: target.optional(),
  /** Epoch ms, inclusive / exclusive. */
  from: z.number().optional(),
  to: z.number().optional(),
});

/** The user's choice in the save dialog: the path only to show it, the token to export to it. */
export const exportChoiceSchema = z.object({ token: exportTokenSchema, file: z.string(), format: exportFormatSchema });

/** A serial port as the OS lists it: the only ports Settings may choose for a UART adapter. */
export const serialPortSchema = z.object({ path: z.string(), label: z.string().nullable() });

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
  'export.chooseFile': [z.strictObject({ format: exportFormatSchema }), z.object({ chosen: exportChoiceSchema.nullable() })],
  /** `again`: a fresh token for the same file, so the same choice can be exported to once more. */
  'export.run': [exportRequestSchema, z.object({ rows: z.number(), file: z.string(), format: exportFormatSchema, again: exportTokenSchema })],
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
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestOf<C extends RequestChannel> = z.input<(typeof requests)[C][0]>;
/** A request as main sees it after parseRequest (defaults applied, strings trimmed). */
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof requests)[C][0]>;
export type ResponseOf<C extends RequestChannel> = z.infer<(typeof requests)[C][1]>;
export type EventOf<C extends EventChannel> = z.infer<(typeof events)[C]>;

export type Settings = z.infer<typeof settingsSchema>;
export type DeviceView = z.infer<typeof deviceSchema>;
export type AdapterView = z.infer<typeof adapterSchema>;
export type AdapterCodeView = z.infer<typeof adapterStatusSchema>['code'];
export type HistoryEntryView = z.infer<typeof historyEntrySchema>;
export type MessageBody = z.infer<typeof messageBodySchema>;
export type Sample = z.infer<typeof sampleSchema>;

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
