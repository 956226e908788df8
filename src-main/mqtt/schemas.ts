// Every payload on the topic tree (topics.ts) as a zod schema: the publisher builds them, the
// command handler and the dashboard's sources check them, and docs/MQTT.md is generated from
// them (`npm run docs:mqtt`). They mirror src-main/ipc/contract.ts where the meaning is the same,
// but mqtt may not import ipc (.dependency-cruiser.cjs), and these are a public wire format of
// their own: fields are only ever added.
//
// Times (`at`) are epoch milliseconds. Every payload is a UTF-8 JSON object except `status`,
// which is the bare word Home Assistant's availability expects ("online"/"offline").
import { z } from 'zod';

/** The longest message body: characters of text, or bytes of data (as the dashboard's). */
export const MAX_MESSAGE_LENGTH = 4096;
/** A command payload longer than this is refused unread (bytes). */
export const MAX_COMMAND_BYTES = 16 * 1024;

const address = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/).describe('Bluetooth address, lower case, colon separated');
const at = z.number().describe('epoch milliseconds');
const hub = z.string().describe("the publishing hub's name (the HUB topic level)");

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
export const statusSchema = z.enum([STATUS_ONLINE, STATUS_OFFLINE]).describe('PREFIX/HUB/status: plain text, retained; offline is the last will');

export const linkStateSchema = z.enum(['unpaired', 'stopped', 'waiting', 'queued', 'connecting', 'discovering', 'linked', 'backoff', 'disconnecting']);
export const profileSchema = z.enum(['picolink', 'tutorial', 'nus']);

export const stateSchema = z
  .object({
    hub,
    address,
    name: z.string().nullable(),
    state: linkStateSchema,
    reason: z.string(),
    fault: z.string().nullable().describe('set while GATT setup keeps failing the same way, or while the peer floods'),
    adapter: z.string().nullable(),
    profile: profileSchema.nullable(),
    rssi: z.number().nullable().describe('dBm, last advertisement heard'),
    intervalMs: z.number().describe('connection interval, ms'),
    mtu: z.number().int().nullable().describe('ATT_MTU'),
    at,
  })
  .describe('PREFIX/HUB/DEVICE/state: retained, QoS 1, on each change; an empty retained payload once unpaired');

export const sampleSchema = z.object({ seq: z.number().int(), at: at.describe('epoch ms the ping was sent'), rttMs: z.number() });
export const lostSampleSchema = z.object({ seq: z.number().int(), at: at.describe('epoch ms the ping was sent') });
export const samplesSchema = z
  .object({
    hub,
    address,
    name: z.string().nullable(),
    samples: z.array(sampleSchema),
    lost: z.array(lostSampleSchema).describe('pings that got no answer'),
    dropped: z.number().int().nonnegative().describe('samples this batch left out because the batch was full'),
  })
  .describe('PREFIX/HUB/DEVICE/samples: QoS 0, not retained, at most 4 per second per device');

export const statsSchema = z
  .object({
    hub,
    address,
    name: z.string().nullable(),
    windowSeconds: z.number(),
    count: z.number().int(),
    lost: z.number().int(),
    lossPercent: z.number(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
    mean: z.number().nullable(),
    max: z.number().nullable(),
    at,
  })
  .describe('PREFIX/HUB/DEVICE/stats: QoS 0, retained, each second while linked: RTT over the live window, ms');

export const messageBodySchema = z.union([
  z.object({ text: z.string().min(1).max(MAX_MESSAGE_LENGTH) }).strict(),
  z
    .object({
      hex: z
        .string()
        .regex(/^([0-9a-fA-F]{2})+$/, 'an even number of hex digits')
        .max(2 * MAX_MESSAGE_LENGTH),
    })
    .strict(),
]);

const bodyOut = z.union([z.object({ text: z.string() }), z.object({ hex: z.string().describe('lower-case hex') })]);
export const rxSchema = z
  .object({ hub, address, name: z.string().nullable(), at })
  .and(bodyOut)
  .describe('PREFIX/HUB/DEVICE/rx: QoS 1, not retained: each message received from the device (text, or bytes as lower-case hex)');

export const throughputLimitSchema = z
  .object({
    phy: z.enum(['1M', '2M', 'coded']),
    intervalMs: z.number().positive().describe('connection interval, ms'),
    attMtu: z.number().int().min(23).max(517).describe('ATT_MTU'),
    maxTxOctets: z.number().int().min(27).max(251).describe('link-layer payload octets per PDU, device to hub'),
    assumed: z.array(z.enum(['phy', 'data-length'])).describe('what the adapter did not report and was taken as the default (1M, 27 octets)'),
  })
  .describe('the link limitBytesPerSecond was computed for; a hub may leave it out');

export const eventSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('warning'), text: z.string() }),
    z.object({ kind: z.literal('paired'), name: z.string().nullable() }),
    z.object({ kind: z.literal('unpaired') }),
    z.object({ kind: z.literal('sent'), text: z.string().optional(), hex: z.string().optional() }).describe('a message sent to the device by a tx command'),
    z.object({
      kind: z.literal('throughput'),
      octets: z.number(),
      hubMs: z.number(),
      bytesPerSecond: z.number(),
      limitBytesPerSecond: z.number().describe('what the link could carry at best'),
      limit: throughputLimitSchema.optional(),
    }),
    z.object({ kind: z.literal('dropped'), publishes: z.number().int().describe('publishes the bounded queue dropped since the last report'), why: z.string() }),
  ])
  .and(z.object({ hub, address: address.nullable().describe('null for a hub-wide event'), at }))
  .describe('PREFIX/HUB/DEVICE/events and PREFIX/HUB/events: QoS 1, not retained');

/**
 * The MQTT v3.1.1 fallback for request/response (MQTT 5.0 §4.10 needs the v5 Response Topic and
 * Correlation Data properties): the request carries them in its payload.
 */
export const fallbackSchema = z.object({
  replyTo: z.string().min(1).max(1024).optional().describe('v3.1.1 fallback: the topic to answer on'),
  id: z.string().max(256).optional().describe('v3.1.1 fallback: echoed in the reply'),
});

export const txRequestSchema = z.union([
  z.object({ text: z.string().min(1).max(MAX_MESSAGE_LENGTH) }).extend(fallbackSchema.shape).strict(),
  z
    .object({
      hex: z
        .string()
        .regex(/^([0-9a-fA-F]{2})+$/, 'an even number of hex digits')
        .max(2 * MAX_MESSAGE_LENGTH),
    })
    .extend(fallbackSchema.shape)
    .strict(),
]).describe('PREFIX/HUB/DEVICE/tx: send text, or bytes as hex');
export const connectRequestSchema = fallbackSchema.strict().describe('PREFIX/HUB/DEVICE/connect and .../disconnect: an empty object (or an empty payload)');
export const pairRequestSchema = z
  .object({ target: z.string().trim().min(1).max(64).describe('an address, or an advertised name') })
  .extend(fallbackSchema.shape)
  .strict()
  .describe('PREFIX/HUB/pair and PREFIX/HUB/unpair');

export const ERROR_CODES = ['not-json', 'bad-request', 'too-long', 'unknown-device', 'not-linked', 'failed'] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);

export const replySchema = z
  .discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), result: z.record(z.string(), z.unknown()).optional() }),
    z.object({ ok: z.literal(false), error: z.object({ code: errorCodeSchema, hint: z.string() }) }),
  ])
  .and(z.object({ id: z.string().optional().describe('the request\'s id (v3.1.1 fallback)'), hub }))
  .describe('the answer to a command, QoS 1, on its Response Topic with its Correlation Data (or on replyTo with id)');

export type Status = z.infer<typeof statusSchema>;
export type StatePayload = z.infer<typeof stateSchema>;
export type SamplesPayload = z.infer<typeof samplesSchema>;
export type StatsPayload = z.infer<typeof statsSchema>;
export type RxPayload = z.infer<typeof rxSchema>;
export type EventPayload = z.infer<typeof eventSchema>;
export type ThroughputEventLimit = z.infer<typeof throughputLimitSchema>;
export type Reply = z.infer<typeof replySchema>;
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** Each schema and where it goes, for docs/MQTT.md. */
export const PAYLOADS = {
  status: statusSchema,
  state: stateSchema,
  samples: samplesSchema,
  stats: statsSchema,
  rx: rxSchema,
  events: eventSchema,
  tx: txRequestSchema,
  'connect / disconnect': connectRequestSchema,
  'pair / unpair': pairRequestSchema,
  reply: replySchema,
} as const;
