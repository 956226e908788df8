// Usage text for every subcommand, and the error type that prints it with exit code 2.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const MAIN_USAGE = `Usage: picolink <command> [options]

Commands:
  radio   Run the virtual BLE radio with HCI endpoints for real host stacks
  sim     Run virtual Pico W boards (MicroPython firmware) on the virtual radio

Run 'picolink <command> --help' for a command's options.`;

export const RADIO_USAGE = `Usage: picolink radio --hci-pty PATH [--hci-pty PATH ...] [options]

Starts the virtual BLE radio. Each --hci-pty opens a virtual controller whose HCI (H4) endpoint
is a pseudo-terminal linked at PATH; open it as a UART HCI device, e.g. with noble:
  withBindings('hci', { hciDriver: 'uart', bindParams: { uart: { port: PATH } } })

Options:
  --hci-pty PATH                 a controller attached over a pty at PATH (repeatable, at least one)
  --btsnoop FILE                 capture each node's HCI traffic to FILE-<node>.btsnoop (Wireshark)
  --max-connections N            connection limit of every controller (default 7)
  --no-connect-while-scanning    controllers refuse LE Create Connection while scanning
  -h, --help                     this text

While running, type commands on standard input ('help' lists them). Ctrl-C stops.`;

export const SIM_USAGE = `Usage: picolink sim [--picos N] [--firmware DIR] [--hci-pty PATH] [--heap BYTES]

Runs N virtual Pico W boards, each running the MicroPython firmware in DIR (default: firmware/)
from main.py, on the virtual radio. Console lines print as [picoN] ...

Options:
  --picos N        how many boards (1-64, default 1)
  --firmware DIR   the folder copied to each board's filesystem
  --hci-pty PATH   also open a central controller on the same air, as a pty at PATH
                   (attach noble with hciDriver 'uart' and that port)
  --heap BYTES     Python heap free after boot per board (default 194560, as on a Pico W)
  -h, --help       this text

While running, type commands on standard input ('help' lists them). Ctrl-C stops.`;
