// When a peer's refused PINGs (PROTOCOL.md 4: one PONG in flight per link) add up to a flood, and
// when the flood is over. Pure, on the clock it is given: the session says when a PING was refused
// and when time passes; the meter says when the link starts and stops flooding.

/** Refused PINGs within FLOOD_WINDOW_MS that make a link "flooding". A peer that waits for its PONG never gets one refused. */
export const FLOOD_REFUSALS = 10;
export const FLOOD_WINDOW_MS = 1_000;
/** A flooding link is calm again after this long without a refused PING. */
export const FLOOD_CALM_MS = 2_000;

export type FloodChange = 'started' | 'ended' | null;

export class FloodMeter {
  flooding = false;
  /** Refused PINGs since the meter was made. */
  refused = 0;
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private lastAt = Number.NEGATIVE_INFINITY;

  /** A PING was refused at `now` (ms). */
  refuse(now: number): FloodChange {
    this.refused++;
    this.lastAt = now;
    if (now - this.windowStart >= FLOOD_WINDOW_MS) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    this.inWindow++;
    if (this.flooding || this.inWindow < FLOOD_REFUSALS) return null;
    this.flooding = true;
    return 'started';
  }

  /** Time passed; call it now and then (the session's credit timer). */
  tick(now: number): FloodChange {
    if (!this.flooding || now - this.lastAt < FLOOD_CALM_MS) return null;
    this.flooding = false;
    this.inWindow = 0;
    this.windowStart = Number.NEGATIVE_INFINITY;
    return 'ended';
  }
}
