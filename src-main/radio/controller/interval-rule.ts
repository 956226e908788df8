// How a central's controller picks connInterval from the host's [Conn_Interval_Min,
// Conn_Interval_Max] (Core 5.4 Vol 4 Part E 7.8.12, 7.8.18: the range is a request; the Link Layer
// chooses, Vol 6 Part B 5.1.1 and 4.5.1). The spec leaves the choice to the implementation, so
// each controller model names its rule. Pure: the interval in 1.25 ms units, nothing else.
//
// What real chips do, from captures:
// - Laptop adapters under BlueZ, asked 30-50 ms (BlueZ's default 0x0018-0x0028) or 25-50 ms,
//   report 48.75 ms (0x0027) in LE Connection Complete (btmon traces in mbientlab MetaWear-SDK-Cpp
//   issue "Error initialising board" on Ubuntu/BlueZ 5.54, and Jakeler/ble-serial PR 119): the
//   largest multiple of 3.75 ms within the range, not the minimum.
// - A Pico W (CYW43439) central with BTstack's default 10-30 ms (hci.c: le_connection_interval_min
//   0x0008, max 0x0018; MicroPython's gap_connect passes the same) runs at 30 ms: a HOG host on it
//   polls at ~32 Hz, "which lines up with the default 30ms connection interval"
//   (raspberrypi/pico-sdk issue 1342), i.e. the maximum.
import { CONN_INTERVAL_UNIT_MS } from '../../hci/constants.ts';

export type IntervalRule =
  /** Conn_Interval_Min: what the host asked for at the fast end. */
  | { kind: 'min' }
  /** Conn_Interval_Max. */
  | { kind: 'max' }
  /** The interval nearest `ms` (rounded to 1.25 ms), clamped into [min, max]. */
  | { kind: 'preferred'; ms: number }
  /** The largest multiple of `ms` (itself a multiple of 1.25 ms) within [min, max]; Conn_Interval_Max if none is. */
  | { kind: 'multiple'; ms: number };

/** Laptop adapters: the largest multiple of 3.75 ms in the range (48.75 ms for BlueZ's 30-50 ms). */
export const LAPTOP_INTERVAL_RULE: IntervalRule = { kind: 'multiple', ms: 3.75 };
/** CYW43439: the maximum (30 ms for BTstack's 10-30 ms). */
export const PICO_W_INTERVAL_RULE: IntervalRule = { kind: 'max' };

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** connInterval in 1.25 ms units for a host's range [min, max] (also in 1.25 ms units, min <= max). */
export function chooseInterval(rule: IntervalRule, min: number, max: number): number {
  switch (rule.kind) {
    case 'min':
      return min;
    case 'max':
      return max;
    case 'preferred':
      return clamp(Math.round(rule.ms / CONN_INTERVAL_UNIT_MS), min, max);
    case 'multiple': {
      const step = Math.max(1, Math.round(rule.ms / CONN_INTERVAL_UNIT_MS));
      const best = Math.floor(max / step) * step;
      return best >= min ? best : max;
    }
  }
}
