// One virtual Pico on its own radio with its USB serial port on a pty, opened as the installer
// opens a board's (serial-open.ts) and driven by the installer's raw-REPL client (raw-repl.ts).
// For the tests of the board's REPL; close() ends the port, the board and the radio, and removes
// the folder (the pty and the board's filesystem, DIR/pico1.fs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialPort } from 'serialport';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { RawRepl } from '../../src-main/usb/raw-repl.ts';
import { closeSerial, openSerial } from '../../src-main/usb/serial-open.ts';

/** The banner and first prompt of the friendly REPL (pyexec.c pyexec_friendly_repl). */
export const REPL_BANNER = 'MicroPython v1.27.0 on 2025-12-10; Raspberry Pi Pico W with RP2040\r\nType "help()" for more information.\r\n>>> ';

export interface UsbBoard {
  /** The folder of the pty (DIR/pico1) and of the board's files (DIR/pico1.fs). */
  dir: string;
  pico: VirtualPico;
  repl: RawRepl;
  close(): Promise<void>;
}

/** Opens the port before the board powers on, so nothing it prints at boot is missed. */
export async function startUsbBoard(files: Record<string, string>): Promise<UsbBoard> {
  const dir = mkdtempSync(join(tmpdir(), 'picolink-usb-'));
  const radio = new Radio();
  const enc = new TextEncoder();
  const pico = new VirtualPico(radio, {
    name: 'pico1',
    files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, enc.encode(text)])),
    usb: { ptyPath: join(dir, 'pico1') },
    fsDir: join(dir, 'pico1.fs'),
  });
  let port: SerialPort | null = null;
  const close = async (): Promise<void> => {
    if (port) await closeSerial(port);
    await pico.close();
    radio.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    port = await openSerial(join(dir, 'pico1'));
    const repl = new RawRepl(port);
    await pico.powerOn();
    return { dir, pico, repl, close };
  } catch (e) {
    await close();
    throw e;
  }
}
