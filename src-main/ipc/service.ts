// What a carrier of the contract (Electron's IPC in shell/ipc.ts, the test bridge's WebSocket in
// app/bridge-server.ts) needs of the service behind it: requests already checked against the
// contract's schema in, responses and events out.
import type { EventChannel, EventOf, ParsedRequestOf, RequestChannel, ResponseOf } from './contract.ts';

/** Implemented by app/hub-service.ts's HubService. */
export interface IpcService {
  handle<C extends RequestChannel>(channel: C, payload: ParsedRequestOf<C>): Promise<ResponseOf<C>>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void;
}
