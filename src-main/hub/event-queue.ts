// Run-to-completion delivery for a driver's inputs. A driver's effects call out (noble, another
// driver, listeners) and what they call may answer at once, synchronously: a slot granted inside
// the request, a connect callback inside connect, a listener that stops the link it was told
// about. Each answer waits here until the input being handled has finished (state set, effects
// run, listeners told), so a handler never runs inside another and never sees a half-made step.

export class EventQueue<T> {
  private readonly pending: T[] = [];
  private running = false;

  constructor(private readonly handle: (input: T) => void) {}

  /** Handles `input` now, or after the input being handled (and those queued before it). */
  push(input: T): void {
    this.pending.push(input);
    if (this.running) return;
    this.running = true;
    let failure: { error: unknown } | null = null;
    try {
      // A handler that throws (a listener's bug) must not strand the inputs behind it.
      for (let i = 0; i < this.pending.length; i++) {
        try {
          this.handle(this.pending[i]!);
        } catch (error) {
          failure ??= { error };
        }
      }
    } finally {
      this.pending.length = 0;
      this.running = false;
    }
    if (failure) throw failure.error;
  }

  /** True while an input is being handled: a push now is queued, not handled. */
  get busy(): boolean {
    return this.running;
  }
}
