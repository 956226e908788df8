// Usage text for every subcommand, and the error type that prints it with exit code 2.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const MAIN_USAGE = `Usage: picolink <command> [options]

Commands:
  radio   Run the virtual BLE radio with HCI endpoints for real host stacks

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
