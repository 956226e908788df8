// Opens a board's USB serial port (or a virtual Pico's pty: serialport opens any tty) with an
// exclusive lock, as mpremote does (transport_serial.py SerialTransport: pyserial exclusive=True),
// and turns the OS's refusals into UsbErrors that say what to do.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { UsbError } from './errors.ts';

/** The CDC ACM port ignores the rate; 115200 is what mpremote and Thonny ask for. */
const BAUD_RATE = 115_200;

export async function openSerial(portPath: string, signal?: AbortSignal): Promise<SerialPort> {
  if (signal?.aborted) throw new UsbError('cancelled', 'cancelled');
  const port = new SerialPort({ path: portPath, baudRate: BAUD_RATE, autoOpen: false, lock: true });
  try {
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  } catch (e) {
    throw openError(portPath, e as Error);
  }
  // An error after open (a board unplugged) ends the RawRepl's waits; it must not go unhandled.
  port.on('error', () => undefined);
  return port;
}

export async function closeSerial(port: SerialPort): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

/** The error serialport's open gave, as the user should read it. */
export function openError(portPath: string, e: Error & { code?: string }): UsbError {
  const msg = e.message;
  // bindings-cpp: TIOCEXCL/flock failing reads "Error Resource temporarily unavailable Cannot lock port".
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|busy|EAGAIN/i.test(msg) || e.code === 'EBUSY') {
    const holder = portHolder(portPath);
    return new UsbError(
      'port-busy',
      `${portPath} is in use${holder ? ` by ${holder}` : ' by another program'}`,
      `Close ${holder ?? 'the other program (Thonny, mpremote, a serial monitor, the dashboard)'} and try again.`,
    );
  }
  if (/ENOENT|No such file/i.test(msg) || e.code === 'ENOENT') {
    return new UsbError('no-port', `${portPath} does not exist`, 'Plug the board in; `picolink boards` lists the ports that are MicroPython boards.');
  }
  if (/EACCES|Permission denied/i.test(msg) || e.code === 'EACCES') {
    return new UsbError(
      'no-port',
      `no permission to open ${portPath}`,
      process.platform === 'linux' ? 'Add yourself to the dialout group (sudo usermod -aG dialout $USER), log out and in again.' : 'Check the port\'s permissions.',
    );
  }
  return new UsbError('no-port', `cannot open ${portPath}: ${msg}`, '');
}

/**
 * The program holding the port, where the OS tells (Linux /proc/PID/fd): "thonny (pid 1234)".
 * Only processes of the same user are readable; null when none is found.
 */
export function portHolder(portPath: string): string | null {
  if (process.platform !== 'linux') return null;
  let device: string;
  try {
    device = realpathSync(portPath);
  } catch {
    return null;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(path.join('/proc', pid, 'fd', fd)) === device) {
          const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          return `${name} (pid ${pid})`;
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  return null;
}
