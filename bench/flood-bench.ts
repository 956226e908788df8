// PING floods both ways (issue 13, items 1 and 4), with the figures the issue asks for:
// - against the hub: a rogue peripheral beside two virtual Picos on ONE virtual adapter, two
//   shapes of flood; the good links' ping loss and RTT before and during it, noble's ACL queue;
// - against the firmware: a rogue central (fixture firmware-rogue-central) flooding a board that
//   runs the dashboard app; PINGs sent, PONGs the board handed to its stack and how many of those
//   were still queued when the flood stopped.
import { runHubPingFlood, type PhaseFigures } from './hub/ping-flood.ts';
import { Bench, firmware, line } from '../test/firmware/harness.ts';

const HUB_SECONDS = Number(process.env.FLOOD_SECONDS ?? 10);
const FIRMWARE_SECONDS = Number(process.env.FLOOD_SECONDS ?? 10);

const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '-');
const phase = (p: PhaseFigures): string =>
  `loss ${p.lossPercent.map((x) => x.toFixed(1) + '%').join(' / ')}, RTT p50 ${p.p50Ms.map(ms).join(' / ')}, p99 ${p.p99Ms.map(ms).join(' / ')}; ` +
  `noble ACL queue max ${p.queueMax}, at the end ${p.queueEnd}`;

console.log(`machine: ${process.platform} ${process.arch}, node ${process.version}, ${new Date().toISOString()}`);
for (const [name, shape] of [
  ['values packed with PINGs', {}],
  ['one PING a value, PONG twice its PDUs', { pingsPerValue: 1, bodyOctets: 16 }],
] as const) {
  const r = await runHubPingFlood({ goodPicos: 2, pingHz: 10, baselineSeconds: 5, floodSeconds: HUB_SECONDS, shape });
  console.log(`hub, ${name} (${r.rogue.pingsPerValue} a value), 2 good Picos + rogue on one adapter, 10 Hz pings:`);
  console.log(`  before the flood: ${phase(r.baseline)}`);
  console.log(`  during ${HUB_SECONDS} s of flood: ${phase(r.flood)}`);
  console.log(
    `  rogue: ${r.rogue.pingsSent} PINGs (${(r.rogue.pingsSent / HUB_SECONDS).toFixed(0)}/s), ${r.rogue.pongsReceived} PONGs back; ` +
      `shown as ${r.rogue.state}${r.rogue.fault ? ` with "${r.rogue.fault}"` : ' with no fault'}, bad ${r.rogue.bad}; ` +
      `logged: ${r.rogue.logged.filter((x) => x.startsWith('flooding')).length ? 'flooding' : 'nothing about a flood'}`,
  );
  if (r.hubErrors.length) console.log(`  hub errors: ${r.hubErrors.join('; ')}`);
}

const bench = new Bench();
try {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-victim', APP: 'dashboard', MTU: 517 }));
  const rogue = bench.pico('rogue', firmware({ APP: 'rogue_central', PEER: 'pl-victim', ROGUE: 'ping-flood', SECONDS: FIRMWARE_SECONDS }, 'firmware-rogue-central'));
  await periph.powerOn();
  await line(periph, /^advertising pl-victim$/);
  await rogue.powerOn();
  const m = /^flood pings (\d+) pongs (\d+) pongs 2 s later (\d+)$/.exec(await line(rogue, /^flood pings/, (FIRMWARE_SECONDS + 30) * 1000))!;
  const [pings, pongs, later] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const info = /^flood info (\d+)$/.exec(await line(rogue, /^flood info/, 20_000));
  // The board answers every PING it does not count as bad; those not yet received were queued.
  const handed = info ? pings - Number(info[1]) : pings;
  console.log(`firmware, a central flooding PINGs (63 a value) for ${FIRMWARE_SECONDS} s at a board running the dashboard app:`);
  console.log(
    `  ${pings} PINGs; the board handed ${handed} PONGs to its stack${info ? ` and counted ${info[1]} PINGs bad` : ' (every one: its INFO never came back in time)'}; ` +
      `${pongs} had arrived when the flood stopped, ${later} 2 s later; queued in the stack at the end: ${handed - pongs}`,
  );
} finally {
  await bench.close();
}
