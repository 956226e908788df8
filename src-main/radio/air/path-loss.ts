// Received signal strength from node positions: log-distance path loss with Gaussian shadowing.
// PL(d) = PL(1 m) + 10 n log10(d / 1 m); 40 dB at 1 m is free-space loss at 2.4 GHz, n = 2.5 an
// indoor exponent.

export interface Position {
  x: number;
  y: number;
}

export interface PathLossModel {
  txPowerDbm: number;
  lossAt1mDb: number;
  exponent: number;
  noiseSigmaDb: number;
  /** Below this a packet is not received at all. */
  sensitivityDbm: number;
}

export const DEFAULT_PATH_LOSS: PathLossModel = {
  txPowerDbm: 0,
  lossAt1mDb: 40,
  exponent: 2.5,
  noiseSigmaDb: 2,
  sensitivityDbm: -95,
};

export function distance(a: Position, b: Position): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Mean RSSI in dBm, without noise. */
export function meanRssi(model: PathLossModel, d: number): number {
  return model.txPowerDbm - model.lossAt1mDb - 10 * model.exponent * Math.log10(Math.max(d, 0.1));
}

/** One RSSI sample with shadowing noise, rounded to whole dBm and clamped to HCI's int8 range. */
export function sampleRssi(model: PathLossModel, d: number, random: () => number): number {
  // Box-Muller
  const u = Math.max(random(), 1e-12);
  const v = random();
  const noise = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * model.noiseSigmaDb;
  return Math.max(-127, Math.min(20, Math.round(meanRssi(model, d) + noise)));
}
