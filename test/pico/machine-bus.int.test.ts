// machine's buses on a virtual Pico W with nothing wired: firmware exercising every bus (and pins,
// pulses, bitstream) prints what each call gives or raises, and the console must read as
// expected.txt, the values and errors MicroPython 1.27's rp2 port gives (see _machine_bus.py).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { waitConsole } from './console.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/firmware-machine-bus');
let radio: Radio;
let pico: VirtualPico | null;
beforeEach(() => {
  radio = new Radio();
  pico = null;
});
afterEach(async () => {
  await pico?.close();
  radio.close();
});

it('UART, I2C, SoftI2C, SPI, SoftSPI, PWM, Pin, Signal, time_pulse_us and bitstream behave as on an unwired rp2 board', async () => {
  const files = readFirmware(FIXTURE);
  delete files['expected.txt'];
  pico = new VirtualPico(radio, { name: 'bus', files });
  await pico.powerOn();
  await waitConsole(pico, /^done$/, 30_000);
  const expected = readFileSync(path.join(FIXTURE, 'expected.txt'), 'utf8').replace(/\n$/, '').split('\n');
  expect(pico.console).toEqual(expected);
});
