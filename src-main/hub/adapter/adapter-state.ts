// noble's adapter states, and what each one asks of the user.

export type AdapterState = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

/** How the adapter is reached: a serial port has its own ways of failing. */
export type AdapterTransport = 'os' | 'uart' | 'sim';

export function adapterStateMessage(state: string, adapter: string, platform: NodeJS.Platform = process.platform, transport: AdapterTransport = 'os'): string {
  switch (state) {
    case 'poweredOn':
      return `${adapter} is on`;
    case 'poweredOff':
      // noble's UART driver reports a port it cannot open, or a controller that never answers, as off.
      if (transport === 'sim') return `The virtual adapter ${adapter} is off; the hub goes on when it comes back.`;
      if (transport === 'uart') {
        return `No HCI controller answers on ${adapter}: check the port name, that the dongle is plugged in and runs HCI UART firmware, and the baud rate (@BAUD). The hub goes on when it answers.`;
      }
      return platform === 'linux'
        ? `Bluetooth is off on ${adapter}: turn it on (bluetoothctl power on, or rfkill unblock bluetooth). The hub goes on when it comes back.`
        : `Bluetooth is off on ${adapter}: turn it on in the system settings. The hub goes on when it comes back.`;
    case 'unauthorized':
      if (platform === 'linux') {
        return (
          `Not allowed to use ${adapter}: raw HCI access needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities. ` +
          'Run: sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(which node)")" (or use dbus for BlueZ), or try the simulator: --sim 4'
        );
      }
      if (platform === 'darwin') return `Not allowed to use Bluetooth: allow this app (or your terminal) in System Settings > Privacy & Security > Bluetooth.`;
      return `Not allowed to use Bluetooth on ${adapter}: check the system's Bluetooth permissions.`;
    case 'unsupported':
      return `${adapter} has no Bluetooth Low Energy (or was not found). Plug in an adapter, name another one with --hci, or try the simulator: --sim 4`;
    case 'resetting':
      return `${adapter} is resetting`;
    default:
      return `${adapter}: waiting for the adapter (state ${state})`;
  }
}
