// Main's side of the preload's API: one invoke channel for every request, one send channel for
// every event. The renderer is untrusted, so each request is checked for where it came from and
// against the contract's schema before the service sees it.
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { events, parseRequest, type EventChannel } from '../ipc/contract.ts';
import type { IpcService } from '../ipc/service.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL, type IpcReply } from './ipc-channels.ts';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;
export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed'>;

export interface RegisteredIpc {
  /** Sends every service event to `target` until the returned function is called. */
  forwardEvents(target: EventTarget): () => void;
  /** Removes the handler and every forwarding. */
  dispose(): void;
}

export const UNTRUSTED_SENDER = "Refused: the request did not come from PicoLink's own page.";

export function registerIpc(ipcMain: IpcMainLike, service: IpcService, isTrustedSender: (frame: WebFrameMain | null) => boolean): RegisteredIpc {
  const forwards = new Set<() => void>();
  ipcMain.handle(REQUEST_CHANNEL, async (event: IpcMainInvokeEvent, channel: unknown, payload: unknown): Promise<IpcReply> => {
    if (!isTrustedSender(event.senderFrame)) return { ok: false, error: UNTRUSTED_SENDER };
    let request;
    try {
      request = parseRequest(typeof channel === 'string' ? channel : String(channel), payload);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    try {
      return { ok: true, result: await service.handle(request.channel, request.payload) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  });
  return {
    forwardEvents(target) {
      const offs = (Object.keys(events) as EventChannel[]).map((channel) =>
        service.on(channel, (payload) => {
          // Events still in flight when the window closes have nowhere to go.
          if (!target.isDestroyed()) target.send(EVENT_CHANNEL, channel, payload);
        }),
      );
      const off = (): void => {
        offs.forEach((f) => f());
        forwards.delete(off);
      };
      forwards.add(off);
      return off;
    },
    dispose() {
      ipcMain.removeHandler(REQUEST_CHANNEL);
      [...forwards].forEach((f) => f());
    },
  };
}
