// What the dashboard says about an adapter's condition: the hub's typed code, worded with the
// app's own controls (Settings → Adapter, the simulator button). The CLI words the same codes
// with its flags (src-main/cli/adapter-advice.ts).
import type { AdapterView } from '../../../src-main/ipc/contract.ts';

export interface AdapterAdvice {
  title: string;
  text: string;
  /** A command to show and copy (the Linux capability fix). */
  fix: string | null;
  /** Offer the simulator: no usable adapter is coming back by itself. */
  offerSim: boolean;
}

const SETTINGS = 'Settings → Adapter';

export function adapterAdvice(a: AdapterView): AdapterAdvice {
  switch (a.code) {
    case 'powered-on':
      return { title: 'Adapter on', text: `${a.name} is on.`, fix: null, offerSim: false };
    case 'unknown':
      return { title: 'Waiting for the adapter', text: `${a.name} has not reported yet.`, fix: null, offerSim: false };
    case 'resetting':
      return { title: 'Waiting for the adapter', text: `${a.name} is resetting.`, fix: null, offerSim: false };
    case 'sim-off':
      return { title: 'Waiting for the adapter', text: `The virtual adapter ${a.name} is off; PicoLink goes on when it comes back.`, fix: null, offerSim: false };
    case 'powered-off': {
      const how = a.hint.platform === 'linux' ? 'turn it on (bluetoothctl power on, or rfkill unblock bluetooth)' : 'turn it on in the system settings';
      return { title: 'Bluetooth is off', text: `Bluetooth is off on ${a.name}: ${how}. PicoLink goes on when it comes back.`, fix: null, offerSim: true };
    }
    case 'unauthorized':
      if (a.hint.setcap) {
        return {
          title: 'Not allowed to use Bluetooth',
          text: `Not allowed to use ${a.name}: raw HCI access needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities. Run this, or choose BlueZ or the simulator in ${SETTINGS}:`,
          fix: a.hint.setcap,
          offerSim: true,
        };
      }
      return {
        title: 'Not allowed to use Bluetooth',
        text:
          a.hint.platform === 'darwin'
            ? 'Allow PicoLink in System Settings > Privacy & Security > Bluetooth.'
            : `Not allowed to use Bluetooth on ${a.name}: check the system's Bluetooth permissions.`,
        fix: null,
        offerSim: true,
      };
    case 'no-controller':
      return {
        title: 'No answer on the serial port',
        text: `No HCI controller answers on ${a.name}: check that the dongle is plugged in and runs HCI UART firmware, and the port and baud rate in ${SETTINGS}. PicoLink goes on when it answers.`,
        fix: null,
        offerSim: true,
      };
    case 'unsupported':
      return {
        title: 'No Bluetooth adapter',
        text: `${a.name} has no Bluetooth Low Energy (or was not found). Plug in an adapter, or choose another adapter or the simulator in ${SETTINGS}.`,
        fix: null,
        offerSim: true,
      };
    case 'port-missing':
      return {
        title: 'No Bluetooth adapter',
        text: `The serial port ${a.hint.port} does not exist (is the dongle plugged in?). Choose another port or the simulator in ${SETTINGS}.`,
        fix: null,
        offerSim: true,
      };
    case 'start-failed':
      return { title: 'No Bluetooth adapter', text: `${a.name} could not be started: ${a.hint.cause}.`, fix: null, offerSim: true };
  }
}
