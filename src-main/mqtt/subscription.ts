// A hub's subscriptions: made again on every connect (a broker that lost the session lost them,
// MQTT 5.0 §4.1), with one message listener for as long as they are kept.
import type { IPublishPacket } from 'mqtt';

export type MessageListener = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

/** What a subscriber needs of an MQTT.js client. */
export interface SubscribingClient {
  subscribe(filters: string[], opts: { qos: 1 }, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: MessageListener): unknown;
  on(event: 'connect', listener: () => void): unknown;
  off(event: 'message', listener: MessageListener): unknown;
  off(event: 'connect', listener: () => void): unknown;
  readonly connected: boolean;
}

/** Subscribes `filters` at QoS 1 now (if connected) and on each connect; returns the undo. */
export function keepSubscribed(client: SubscribingClient, filters: () => string[], onMessage: MessageListener, onError: (e: Error) => void): () => void {
  const subscribe = (): void => {
    client.subscribe(filters(), { qos: 1 }, (e) => {
      if (e) onError(e);
    });
  };
  client.on('message', onMessage);
  client.on('connect', subscribe);
  if (client.connected) subscribe();
  return () => {
    client.off('message', onMessage);
    client.off('connect', subscribe);
  };
}
