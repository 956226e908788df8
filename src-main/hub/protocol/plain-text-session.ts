// A session for devices without PicoLink framing: the tutorial profile and Nordic UART
// (docs/PROTOCOL.md 7). One ATT value is one message both ways, so there is nothing to reassemble,
// no credit and no ping: the stack's own flow control is all there is.
import { EventEmitter } from 'node:events';
import { ATT_VALUE_OVERHEAD, MAX_VALUE } from './frames.ts';
import { SessionError, checkMtu, newStats, type LinkMessage, type LinkStats, type ProtocolSession, type ProtocolSessionEvents } from './protocol-session.ts';

export interface PlainTextSessionOptions {
  mtu: number;
  /** Hands one ATT value to the transport; throws when the link is gone. */
  write: (value: Uint8Array) => void;
}

// fatal: a value that is not UTF-8 is passed on as bytes rather than mangled with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export class PlainTextSession extends EventEmitter<ProtocolSessionEvents> implements ProtocolSession {
  readonly stats: LinkStats = newStats();
  private mtu: number;
  private readonly writeValue: (value: Uint8Array) => void;
  private isClosed = false;
  private isStarted = false;

  constructor(options: PlainTextSessionOptions) {
    super();
    this.mtu = checkMtu(options.mtu);
    this.writeValue = options.write;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get started(): boolean {
    return this.isStarted;
  }

  /** Longest message: one whole ATT value, ATT_MTU - 3 (PROTOCOL.md 7), and never past 512 (Core 5.4 Vol 3 Part F 3.2.9). */
  get maxMessage(): number {
    return Math.min(this.mtu - ATT_VALUE_OVERHEAD, MAX_VALUE);
  }

  start(): void {
    if (!this.isClosed) this.isStarted = true;
  }

  setMtu(mtu: number): void {
    this.mtu = checkMtu(mtu);
  }

  receive(value: Uint8Array): void {
    if (this.isClosed) return;
    this.stats.framesIn++;
    let message: LinkMessage;
    try {
      message = { kind: 'text', text: utf8.decode(value) };
    } catch {
      // Not every NUS device sends text; its bytes are still a message.
      message = { kind: 'data', bytes: value.slice() };
    }
    this.stats.messagesIn++;
    try {
      this.emit('message', message);
    } catch (e) {
      this.reportError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  send(message: LinkMessage): Promise<void> {
    if (this.isClosed) return Promise.reject(new SessionError('closed', 'the session is closed'));
    const value = message.kind === 'text' ? utf8Encoder.encode(message.text) : message.bytes.slice();
    // An empty write would read as nothing at all on the device: there is no frame to mark it.
    if (value.length === 0) return Promise.reject(new SessionError('empty', 'an empty message has no ATT value to carry it'));
    if (value.length > this.maxMessage) {
      return Promise.reject(new SessionError('too-long', `a message of ${value.length} octets does not fit one ATT value at ATT_MTU ${this.mtu} (at most ${this.maxMessage})`));
    }
    try {
      this.writeValue(value);
    } catch (e) {
      const error = new SessionError('write-failed', `write failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      this.isClosed = true;
      this.reportError(error);
      return Promise.reject(error);
    }
    this.stats.framesOut++;
    this.stats.messagesOut++;
    return Promise.resolve();
  }

  close(): void {
    // Nothing is ever pending: send() writes at once or fails at once.
    this.isClosed = true;
  }

  private reportError(error: Error): void {
    // An unheard 'error' would make EventEmitter throw out of receive(); the failure already shows as closed.
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', error);
    } catch {
      // An 'error' listener that throws has nobody left to tell.
    }
  }
}
