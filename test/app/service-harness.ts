// Drives a HubService the way a host does: every request through parseRequest first and every
// response checked against the contract's schema, so a shape drift fails here, not in the UI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HubService, type HubServiceOptions } from '../../src-main/app/hub-service.ts';
import { events, parseRequest, requests, type EventChannel, type EventOf, type RequestChannel, type RequestOf, type ResponseOf } from '../../src-main/ipc/contract.ts';

export interface ServiceHarness {
  service: HubService;
  home: string;
  call<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>>;
  /** Every event received so far on `channel`, each checked against the contract. */
  seen<C extends EventChannel>(channel: C): EventOf<C>[];
  close(): Promise<void>;
}

export async function startService(options: Omit<HubServiceOptions, 'home'> & { home?: string }): Promise<ServiceHarness> {
  const home = options.home ?? mkdtempSync(path.join(tmpdir(), 'picolink-service-'));
  const service = await HubService.create({ statusIntervalMs: 100, pingTimeoutMs: 2_000, ...options, home });
  const log = new Map<EventChannel, unknown[]>();
  for (const channel of Object.keys(events) as EventChannel[]) {
    log.set(channel, []);
    service.on(channel, (payload) => log.get(channel)!.push(events[channel].parse(payload)));
  }
  return {
    service,
    home,
    call: async (channel, payload) => {
      const parsed = parseRequest(channel, payload);
      const result = await service.handle(parsed.channel, parsed.payload);
      return requests[channel][1].parse(result) as ResponseOf<typeof channel>;
    },
    seen: <C extends EventChannel>(channel: C) => log.get(channel) as EventOf<C>[],
    close: async () => {
      await service.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
