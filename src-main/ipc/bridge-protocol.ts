// The messages of the WebSocket test bridge: the same requests and events as the preload's IPC,
// framed as JSON so a browser page (Chromium under playwright) can drive the real hub.
import { z } from 'zod';

export const BRIDGE_PATH = '/bridge';

/** Page → server. `id` pairs the response with its request; the channel is checked later, by parseRequest. */
export const bridgeRequestSchema = z.object({
  type: z.literal('request'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(64),
  payload: z.unknown(),
});

export type BridgeRequest = z.infer<typeof bridgeRequestSchema>;

export type BridgeResponse =
  | { type: 'response'; id: number | null; ok: true; result: unknown }
  | { type: 'response'; id: number | null; ok: false; error: string };

export interface BridgeEvent {
  type: 'event';
  channel: string;
  payload: unknown;
}

export type BridgeServerMessage = BridgeResponse | BridgeEvent;
