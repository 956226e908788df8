// The protocol session: what the link loop needs from the protocol endpoint on one connection,
// whichever profile the device speaks: PicoLink frames (session.ts) or one text message per ATT
// value (plain-text-session.ts).

export type LinkMessage = { kind: 'text'; text: string } | { kind: 'data'; bytes: Uint8Array };

export interface LinkStats {
  /** Frames decoded from the peer (PicoLink: counted and link frames; basic mode: ATT values). */
  framesIn: number;
  /** Frames handed to write (PicoLink: counted and link frames; basic mode: ATT values). */
  framesOut: number;
  /** Whole messages accepted from the peer. */
  messagesIn: number;
  /** Whole messages whose last frame was handed to write. */
  messagesOut: number;
  /** Frames or messages rejected (PROTOCOL.md 6); each also emits 'bad' with the reason. */
  bad: number;
}

export interface ProtocolSessionEvents {
  message: [LinkMessage];
  bad: [reason: string];
  /** The transport's write failed (the session is closed), or a listener threw inside receive(). */
  error: [Error];
}

export type SessionErrorCode = 'closed' | 'queue-full' | 'too-long' | 'empty' | 'write-failed' | 'busy' | 'protocol';

/**
 * How far the transport has got with a link's writes: how many of them, in order, have left the
 * host for the air (hub/adapter/noble-outbound.ts). A write the transport has not sent yet is in
 * flight; a session bounds what it keeps in flight with it.
 */
export interface OutboundProgress {
  readonly done: number;
  /** Runs `listener` whenever `done` grows; returns its removal. */
  onDone(listener: () => void): () => void;
}

export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(
    readonly code: SessionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ProtocolSession {
  readonly stats: Readonly<LinkStats>;
  readonly closed: boolean;
  /** Call once the transport can carry values both ways (subscribed). */
  start(): void;
  setMtu(mtu: number): void;
  /** One ATT value from the peer (notification). Never throws. */
  receive(value: Uint8Array): void;
  /** Resolves when the message's last value is handed to the transport. */
  send(message: LinkMessage): Promise<void>;
  /** Idempotent: stops timers and rejects every pending send. */
  close(): void;
  on<K extends keyof ProtocolSessionEvents>(event: K, listener: (...args: ProtocolSessionEvents[K]) => void): unknown;
  off<K extends keyof ProtocolSessionEvents>(event: K, listener: (...args: ProtocolSessionEvents[K]) => void): unknown;
  /** The link loop drops a closed session's listeners so a late event cannot reach the next link. */
  removeAllListeners(): unknown;
}

export function newStats(): LinkStats {
  return { framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, bad: 0 };
}

export function checkMtu(mtu: number): number {
  // 23 is the LE minimum (Core 5.4 Vol 3 Part G 5.2.1); 65535 is what the MTU exchange can carry.
  if (!Number.isInteger(mtu) || mtu < 23 || mtu > 0xffff) throw new RangeError(`ATT_MTU ${mtu} is not an integer in 23..65535`);
  return mtu;
}
