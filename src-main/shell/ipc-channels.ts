// The two Electron IPC channels between preload and main, and the reply envelope. Errors travel
// as data, not as thrown errors: Electron would wrap a thrown one in "Error invoking remote
// method ..." text, and the user should read our message, not that.
export const REQUEST_CHANNEL = 'picolink:request';
export const EVENT_CHANNEL = 'picolink:event';

export type IpcReply = { ok: true; result: unknown } | { ok: false; error: string };
