// What the Boards on USB view says for each way talking to a board can fail (usb/errors.ts
// UsbErrorCode), and how it words an install's progress. Main sends codes and hints; the words
// live here, next to the view, like adapter-advice.ts.
import type { EventOf, UsbErrorCodeView } from '../../../src-main/ipc/contract.ts';

/** micropython.org's download page for the Pico W's firmware (the RPI_PICO_W board). */
export const PICO_W_UF2_PAGE = 'https://micropython.org/download/RPI_PICO_W/';

export interface UsbAdvice {
  title: string;
  text: string;
}

/** `hint`: main's detail (the program holding the port, when the OS says). */
export function usbAdvice(code: UsbErrorCodeView, message: string, hint = ''): UsbAdvice {
  const more = hint ? ` ${hint}` : '';
  switch (code) {
    case 'not-micropython':
      return {
        title: 'No MicroPython on this board',
        text:
          'Put MicroPython on it first: unplug the Pico W, hold its BOOTSEL button while you plug it back in (a drive named RPI-RP2 appears), ' +
          `and drop the RPI_PICO_W .uf2 file from ${PICO_W_UF2_PAGE} onto that drive. The board restarts with MicroPython; then press Refresh.${more}`,
      };
    case 'port-busy':
      return {
        title: 'The port is busy',
        text: `Another program has this serial port open${hint ? ` (${hint})` : ''}. Close it (Thonny, mpremote, a serial monitor) and try again.`,
      };
    case 'no-answer':
      return {
        title: 'The board stopped answering',
        text: `Nothing was half-installed: files go to temporary names and are renamed only at the end, so the board keeps what it had. Unplug it, plug it back in, press Refresh and try again.${more}`,
      };
    case 'cancelled':
      return { title: 'Install cancelled', text: 'Nothing was half-installed: the board keeps what it had.' };
    case 'no-port':
      return { title: 'The port is gone', text: `Was the board unplugged? Plug it in and press Refresh.${more}` };
    case 'board-error':
      return { title: 'The board reported an error', text: `${message}${more}` };
  }
}

/** "Copying picolink/link.py (3 of 12)". */
export function progressText(p: EventOf<'usb.progress'>): string {
  const of = p.total > 0 ? ` (${p.done} of ${p.total})` : '';
  switch (p.phase) {
    case 'probe':
      return 'Asking the board what it runs…';
    case 'copy':
      return `Copying ${p.file ?? 'files'}${of}`;
    case 'config':
      return 'Writing config.py';
    case 'rename':
      return 'Putting the new files in place';
    case 'reset':
      return 'Restarting the board';
    case 'done':
      return 'Done';
  }
}
