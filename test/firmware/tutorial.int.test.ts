// Tutorial compatibility (docs/PROTOCOL.md section 7): a Pico running our firmware with
// PROFILE = "tutorial" and APP = "hello" talks to a Pico running the tutorial's profile, in both
// roles. The tutorial's code needs aioble, which is not available here: the other board runs
// fixture firmware-tutorial, a stand-in on the raw bluetooth API with the tutorial's UUIDs,
// read/write/notify use and texts ("hello N" / "Got it").
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

const COUNT = 5;

it("our peripheral, the tutorial's central: each \"hello N\" written is received, and reading the characteristic gives the reply", async () => {
  const ours = bench.pico('ours', firmware({ ROLE: 'peripheral', NAME: 'pl-tut', APP: 'hello', PROFILE: 'tutorial' }));
  const tut = bench.pico('tutorial', firmware({ APP: 'tutorial', TUTORIAL_ROLE: 'central', COUNT }, 'firmware-tutorial'));
  await ours.powerOn();
  await line(ours, /^advertising pl-tut$/);
  await tut.powerOn();
  await line(tut, /^Central done$/, 15_000);
  const hellos = Array.from({ length: COUNT }, (_, i) => `hello ${i}`);
  expect(tut.console.filter((l) => l.startsWith('Central sent: '))).toEqual(hellos.map((h) => `Central sent: ${h}, response got ${h}`));
  expect(ours.console.filter((l) => l.startsWith('received '))).toEqual(hellos.map((h) => `received ${h}`));
  expect([...faults(ours), ...faults(tut)]).toEqual([]);
}, 30_000);

it("our central, the tutorial's peripheral: \"hello N\" written, \"Got it\" notified back, none lost", async () => {
  const tut = bench.pico('tutorial', firmware({ APP: 'tutorial', TUTORIAL_ROLE: 'peripheral', NAME: 'Tut-P' }, 'firmware-tutorial'));
  const ours = bench.pico('ours', firmware({ ROLE: 'central', NAME: 'pl-c', PEER: 'Tut-P', APP: 'hello', PROFILE: 'tutorial', HELLO_MS: 100, HELLO_COUNT: COUNT }));
  await tut.powerOn();
  await line(tut, /^Peripheral starting to advertise$/);
  await ours.powerOn();
  expect(await line(ours, /^exchanges /, 15_000)).toBe(`exchanges ${COUNT} bad 0`);
  const hellos = Array.from({ length: COUNT }, (_, i) => `hello ${i}`);
  expect(ours.console.filter((l) => l.startsWith('sent '))).toEqual(hellos.map((h) => `sent ${h} reply Got it`));
  expect(tut.console.filter((l) => l.startsWith('Peripheral received: '))).toEqual(hellos.map((h) => `Peripheral received: ${h}`));
  expect([...faults(ours), ...faults(tut)]).toEqual([]);
}, 30_000);

it("our central, the tutorial's peripheral as written (it stores \"Got it\" without notifying): the reply is read back", async () => {
  const tut = bench.pico('tutorial', firmware({ APP: 'tutorial', TUTORIAL_ROLE: 'peripheral', NAME: 'Tut-P', NOTIFY: false }, 'firmware-tutorial'));
  const ours = bench.pico('ours', firmware({ ROLE: 'central', NAME: 'pl-c', PEER: 'Tut-P', APP: 'hello', PROFILE: 'tutorial', HELLO_MS: 100, HELLO_COUNT: COUNT }));
  await tut.powerOn();
  await line(tut, /^Peripheral starting to advertise$/);
  await ours.powerOn();
  expect(await line(ours, /^exchanges /, 25_000)).toBe(`exchanges ${COUNT} bad 0`);
  const hellos = Array.from({ length: COUNT }, (_, i) => `hello ${i}`);
  expect(ours.console.filter((l) => l.startsWith('sent '))).toEqual(hellos.map((h) => `sent ${h} reply Got it`));
  expect([...faults(ours), ...faults(tut)]).toEqual([]);
}, 40_000);
