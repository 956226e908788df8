// The preload: the renderer's only way to the hub, as `window.picolink` (PicoLinkApi). It runs
// sandboxed, where require() knows only 'electron' and a few built-ins, so it is bundled to one
// CJS file and imports nothing else at run time (the contract comes in as types only).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventChannel, EventOf, PicoLinkApi, RequestChannel, RequestOf, ResponseOf } from '../ipc/contract.ts';
import { EventListeners } from '../ipc/event-listeners.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL, type IpcReply } from './ipc-channels.ts';

const listeners = new EventListeners();

// One IPC listener for all events: the page's own subscriptions live here, so unsubscribing
// never has to find an IPC listener again, and the page never sees the IpcRendererEvent (which
// would hand it `sender`).
ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, channel: unknown, payload: unknown) => {
  if (typeof channel === 'string') listeners.emit(channel, payload);
});

const api: PicoLinkApi = {
  async request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> {
    const reply = (await ipcRenderer.invoke(REQUEST_CHANNEL, channel, payload)) as IpcReply;
    if (!reply.ok) throw new Error(reply.error);
    return reply.result as ResponseOf<C>;
  },
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void {
    return listeners.on(channel, listener);
  },
};

contextBridge.exposeInMainWorld('picolink', api);
