// What `picolink hub` says about an adapter's condition: the hub's typed code, worded with this
// command's own flags (--hci, --sim, uart:PORT@BAUD). The dashboard words the same codes with its
// settings instead (src-renderer/src/lib/adapter-advice.ts).
import { adapterStatusLabel, type AdapterStatus } from '../hub/adapter/adapter-state.ts';

const TRY_SIM = 'or try the simulator: --sim 4';

export function adapterAdvice(adapter: string, s: AdapterStatus): string {
  switch (s.code) {
    case 'powered-on':
    case 'unknown':
    case 'resetting':
      return adapterStatusLabel(adapter, s);
    case 'powered-off':
      return s.hint.platform === 'linux'
        ? `Bluetooth is off on ${adapter}: turn it on (bluetoothctl power on, or rfkill unblock bluetooth). The hub goes on when it comes back.`
        : `Bluetooth is off on ${adapter}: turn it on in the system settings. The hub goes on when it comes back.`;
    case 'sim-off':
      return `The virtual adapter ${adapter} is off; the hub goes on when it comes back.`;
    case 'no-controller':
      return (
        `No HCI controller answers on ${adapter}: check the port name, that the dongle is plugged in and runs HCI UART firmware, ` +
        `and the baud rate (${s.hint.baudRate === null ? 'add @BAUD to the port' : `@${s.hint.baudRate} now`}). The hub goes on when it answers.`
      );
    case 'unauthorized':
      if (s.hint.setcap) {
        return `Not allowed to use ${adapter}: raw HCI access needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities. Run: ${s.hint.setcap} (or use --hci dbus for BlueZ), ${TRY_SIM}`;
      }
      if (s.hint.platform === 'darwin') return `Not allowed to use Bluetooth: allow your terminal in System Settings > Privacy & Security > Bluetooth, ${TRY_SIM}`;
      return `Not allowed to use Bluetooth on ${adapter}: check the system's Bluetooth permissions, ${TRY_SIM}`;
    case 'unsupported':
      return `${adapter} has no Bluetooth Low Energy (or was not found). Plug in an adapter, name another one with --hci, ${TRY_SIM}`;
    case 'port-missing':
      return `the serial port ${s.hint.port} does not exist (is the dongle plugged in?)`;
    case 'start-failed':
      return `${adapter} could not be started: ${s.hint.cause}`;
  }
}
