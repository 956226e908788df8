// The JavaScript side of the virtual Pico's `machine` module: `_machine`, called by machine.py
// and _machine_time.py.
// Timers, the RTC, the watchdog, the reset cause and the radio-woken sleep; the buses need no
// JavaScript, since nothing is wired to them. Values crossing into Python stay within 32 bits
// (this build passes JavaScript integers as i32), so times travel as days and seconds.
import type { Clock, Timer } from '../hci/clock.ts';
import type { ResetCause, WorkerToMain } from './protocol.ts';
import { feedWatchdog } from './watchdog.ts';

/** ports/rp2/modmachine.c RP2_RESET_PWRON and RP2_RESET_WDT, machine.reset_cause()'s values. */
const RP2_RESET_PWRON = 1;
const RP2_RESET_WDT = 3;
/**
 * ports/rp2/mpconfigport.h MICROPY_SCHEDULER_DEPTH: timer callbacks wait in the scheduler's
 * queue, and py/scheduler.c mp_sched_schedule drops one that finds it full.
 */
const SCHEDULER_DEPTH = 8;
/** ports/rp2/main.c starts the RTC at 2021-01-01 00:00:00 on every boot. */
const RTC_AT_BOOT_MS = Date.UTC(2021, 0, 1);
const MS_PER_DAY = 86_400_000;
/** setTimeout's longest wait is 2**31 - 1 ms; farther alarms are re-armed on the way. */
const MAX_WAIT_MS = 2 ** 30;
/** How often an untimed lightsleep looks at the radio's doorbell. */
const RADIO_POLL_MS = 20;

export interface MachineEnv {
  clock: Clock;
  /** Runs fn in scheduler context (never inside another callback). */
  schedule(fn: () => void): void;
  /** The board's blocking sleep, which keeps HCI, timers and IRQs running. */
  sleepMs(ms: number): void;
  /**
   * Int32Array over the doorbell that wakes the board's blocking sleep: [0] counts HCI messages
   * from the radio chip, and the alarms this module arms.
   */
  doorbell: Int32Array;
  post(m: WorkerToMain): void;
  resetCause: ResetCause;
  /** The watchdog's shared memory (watchdog.ts). */
  watchdog: SharedArrayBuffer;
  /** _machine_time._timer_irq, looked up once a timer has started (so the module is loaded). */
  timerIrq(): () => unknown;
  console(line: string): void;
}

interface Alarm {
  /** Due time on env.clock, ms. */
  at: number;
  periodMs: number;
  periodic: boolean;
  timer: Timer | null;
}

export function createMachineModule(env: MachineEnv): Record<string, (...args: never[]) => number> {
  const fedAt = new BigInt64Array(env.watchdog);
  const alarms = new Map<number, Alarm>();
  /** Timer ids whose callbacks wait for scheduler context, oldest first. */
  const due: number[] = [];
  /** A delivery is scheduled, or waits for the clock's next pass (see deliver). */
  let deliveryQueued = false;
  /** A timer callback is running (and may sleep, letting more timers fire). */
  let calling = false;
  let timerIrq: (() => unknown) | null = null;
  let rtcOffsetMs = RTC_AT_BOOT_MS - env.clock.now();
  let rtcSnapshotMs = 0;

  function arm(id: number, alarm: Alarm): void {
    const at = Math.min(alarm.at, env.clock.now() + MAX_WAIT_MS);
    alarm.timer = env.clock.at(at, () => {
      if (alarms.get(id) !== alarm) return;
      if (env.clock.now() < alarm.at) arm(id, alarm);
      else fire(id, alarm);
    });
  }

  function fire(id: number, alarm: Alarm): void {
    let times = 1;
    if (alarm.periodic) {
      // ports/rp2/machine_timer.c alarm_callback re-arms from the previous deadline, so a periodic
      // timer does not drift; deadlines already past fire at once, one callback each.
      const missed = Math.floor((env.clock.now() - alarm.at) / alarm.periodMs);
      times += missed;
      alarm.at += (missed + 1) * alarm.periodMs;
      arm(id, alarm);
    } else {
      alarms.delete(id);
    }
    for (let i = 0; i < times && due.length < SCHEDULER_DEPTH; i++) due.push(id);
    if (!deliveryQueued && !calling) {
      deliveryQueued = true;
      env.schedule(deliver);
    }
  }

  /**
   * Runs one callback, as py/scheduler.c mp_sched_run_pending runs one Python callback a pass: the
   * firmware gets its turn between callbacks, so a sleep ends on time even when callbacks take
   * longer than their period. The next waits for the clock's next pass.
   */
  function deliver(): void {
    timerIrq ??= env.timerIrq();
    calling = true;
    try {
      timerIrq();
    } catch (e) {
      // _timer_irq stops the firmware's exceptions; this is the runtime's own failure.
      env.console(`[picolink] machine: timer dispatch failed: ${(e as Error).message ?? String(e)}`);
    } finally {
      calling = false;
    }
    if (due.length === 0) {
      deliveryQueued = false;
      return;
    }
    env.clock.at(env.clock.now(), () => env.schedule(deliver));
  }

  function stop(id: number): void {
    const alarm = alarms.get(id);
    alarm?.timer?.cancel();
    alarms.delete(id);
  }

  function blockForever(): never {
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }

  return {
    reset_cause: () => (env.resetCause === 'watchdog' ? RP2_RESET_WDT : RP2_RESET_PWRON),

    /** Starts a timer calling back every periodMs (or once); an id already running restarts. */
    timer_start: (id: number, periodMs: number, periodic: number) => {
      stop(id);
      const alarm: Alarm = { at: env.clock.now() + periodMs, periodMs, periodic: Boolean(periodic), timer: null };
      alarms.set(id, alarm);
      arm(id, alarm);
      return 0;
    },
    timer_stop: (id: number) => {
      stop(id);
      return 0;
    },
    /** The next timer whose callback is due, or -1: _timer_irq takes one a call. */
    timer_next: () => due.shift() ?? -1,

    /** Reads the RTC: days since 1970-01-01; rtc_sod then gives that reading's second of the day. */
    rtc_days: () => {
      rtcSnapshotMs = Math.floor(env.clock.now() + rtcOffsetMs);
      return Math.floor(rtcSnapshotMs / MS_PER_DAY);
    },
    rtc_sod: () => Math.floor((((rtcSnapshotMs % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / 1000),
    rtc_set: (days: number, secondOfDay: number) => {
      rtcOffsetMs = days * MS_PER_DAY + secondOfDay * 1000 - env.clock.now();
      return 0;
    },

    wdt_start: (timeoutMs: number) => {
      // ports/rp2/machine_wdt.c: watchdog_enable also feeds, so the countdown starts now.
      feedWatchdog(fedAt);
      env.post({ type: 'watchdog', timeoutMs });
      return 0;
    },
    wdt_feed: () => {
      feedWatchdog(fedAt);
      return 0;
    },

    /**
     * machine.lightsleep() with no time: the RP2040 goes dormant until the radio chip raises its
     * host-wake line (ports/rp2/modmachine.c, CYW43_PIN_WL_HOST_WAKE), here an HCI message.
     */
    sleep_until_radio: () => {
      const rung = Atomics.load(env.doorbell, 0);
      while (Atomics.load(env.doorbell, 0) === rung) env.sleepMs(RADIO_POLL_MS);
      return 0;
    },

    soft_reset: () => {
      env.post({ type: 'soft-reset' });
      return blockForever();
    },
  };
}
