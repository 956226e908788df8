// A duplex stream that plays a board from a script: each step waits for the octets the host
// must send next (after those of the step before) and then answers. What the host wrote is kept
// whole, so a test compares it byte for byte with what pyboard.py/mpremote send.
import { Duplex } from 'node:stream';

export interface Step {
  /** The octets the host sends next (latin-1). */
  after: string;
  /** The board's answer once they arrived (latin-1), or a function of nothing for side effects. */
  reply?: string;
  /** Close the stream instead of answering. */
  close?: boolean;
}

export class ScriptedBoard extends Duplex {
  /** Everything the host wrote, as latin-1 text. */
  written = '';
  /** For each step that fired: how much the host had written when it did, and where the step's octets ended. */
  readonly fired: { step: number; writtenAt: number; matchEnd: number }[] = [];
  /** Set when the host sent octets the script did not expect before a step's. */
  mismatch: string | undefined;
  private matched = 0;
  private next = 0;

  constructor(private readonly steps: Step[]) {
    super();
  }

  override _read(): void {
    // Answers are pushed when their step fires.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.written += chunk.toString('latin1');
    this.fire();
    done();
  }

  /** Octets from the board out of script (garbage, late output). */
  say(text: string): void {
    this.push(Buffer.from(text, 'latin1'));
  }

  get finished(): boolean {
    return this.next === this.steps.length;
  }

  private fire(): void {
    for (;;) {
      const step = this.steps[this.next];
      if (!step) return;
      const at = this.written.indexOf(step.after, this.matched);
      // The step's octets must follow the previous step's directly: nothing skipped, nothing extra between.
      if (at < 0) return;
      if (at !== this.matched) {
        this.mismatch ??= `host sent ${JSON.stringify(this.written.slice(this.matched, at))} before ${JSON.stringify(step.after)}`;
        return;
      }
      this.matched = at + step.after.length;
      this.fired.push({ step: this.next, writtenAt: this.written.length, matchEnd: this.matched });
      this.next++;
      if (step.close) {
        setImmediate(() => this.destroy());
        return;
      }
      if (step.reply !== undefined) {
        const reply = step.reply;
        setImmediate(() => this.push(Buffer.from(reply, 'latin1')));
      }
    }
  }
}
