// Usage text for every subcommand, and the error type that prints it with exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const MAIN_USAGE = `Usage: picolink <command> [options]

Commands:
  boards  List the serial ports that are MicroPython boards, and whether PicoLink is on them
  hub     Link to Picos (real adapters or the simulator), measure latency, log and export
  install Install or update PicoLink on a MicroPython board over its USB serial port
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

export const INSTALL_USAGE = `Usage: picolink install PORT [--name N] [--role central|peripheral] [--peer P] [--app A] [--firmware DIR]

Installs or updates PicoLink on the MicroPython board at PORT (a USB serial port such as
/dev/ttyACM0 or COM3, or a virtual Pico's pty from \`picolink sim --repl-pty DIR\`): copies the
firmware over the raw REPL, writes config.py, soft-resets the board. Files go to temporary
names first and are put in place together at the end, so a board that stops answering keeps
its previous install. Progress on stderr; Ctrl-C cancels.

Options:
  --name N         the board's advertised name (1-29 octets, default picolink)
  --role R         peripheral (the dashboard links to it; default) or central (links to --peer)
  --peer P         a central: the peripheral's name to link to (default: any PicoLink peripheral)
  --app A          the app main.py runs: dashboard (default), hello, temperature
  --firmware DIR   the firmware folder (default: the app's firmware/)
  -h, --help       this text

Exit codes: 0 installed, 1 the board or port failed (the message says why), 2 wrong usage,
130 cancelled.`;

export const BOARDS_USAGE = `Usage: picolink boards [PATH ...] [--json]

Lists the USB serial ports of Raspberry Pi Picos running MicroPython (USB 2E8A:0005), plus
each PATH given (a virtual Pico's pty), each confirmed by a raw-REPL probe: MicroPython
version, machine, and the PicoLink version installed, if any. Probing interrupts the board's
program and soft-resets it, as mpremote does.

Options:
  --json           one JSON object per board
  -h, --help       this text`;

export const SIM_USAGE = `Usage: picolink sim [--picos N] [--firmware DIR | --blank] [--hci-pty PATH] [--repl-pty DIR] [--heap BYTES] [--lib DIR ...]

Runs N virtual Pico W boards, each running the MicroPython firmware in DIR (default: firmware/)
from main.py, on the virtual radio. Console lines print as [picoN] ...
Like a Pico W's official firmware, each board has aioble, bundle-networking, onewire, ds18x20,
dht and neopixel built in: fetched from micropython-lib's index on first use and kept in the
app data folder (micropython-lib/), or taken from --lib. PICOLINK_MIP_INDEX=URL uses another
index; PICOLINK_MIP_INDEX=off, none.

Options:
  --picos N        how many boards (1-64, default 1)
  --firmware DIR   the folder copied to each board's filesystem
  --blank          boards start with an empty filesystem, as a Pico W fresh from MicroPython's
                   UF2 (try \`picolink install\` on one); files kept in DIR/picoN.fs win
  --hci-pty PATH   also open a central controller on the same air, as a pty at PATH
                   (attach noble with hciDriver 'uart' and that port)
  --repl-pty DIR   give each board a USB serial port with MicroPython's REPL, a pty DIR/picoN
                   (for mpremote, Thonny, a terminal); its files are kept in DIR/picoN.fs/
  --heap BYTES     Python heap free after boot per board (default 194560, as on a Pico W)
  --lib DIR        take the built-in packages from DIR (laid out like a board's /lib) instead
                   of the package index (repeatable; the first folder holding a file wins)
  -h, --help       this text

While running, type commands on standard input ('help' lists them). Ctrl-C stops.`;

export const HUB_USAGE = `Usage: picolink hub [--sim N] [--hci ADAPTER ...] [--pair NAME|ADDR ...] [options]

Links to every paired Pico W, pings each (default 10 Hz) and shows a live table: state, RSSI,
RTT p50/p99 over the last 10 s, loss. Ctrl-C (or --duration) stops cleanly and prints a
summary per device: samples, loss %, p50/p95/p99/max RTT. Every sample, message and state
change is stored in log.sqlite in the app data folder.

Options:
  --sim N              run N virtual Picos with the real firmware on the virtual radio, on as
                       many virtual adapters as needed (7 links each); pairs them all unless
                       --pair names some. Its paired list (paired-sim.json) is separate.
  --firmware DIR       the simulator's firmware folder (default: firmware/)
  --lib DIR            the simulator's built-in packages (aioble, ...) from DIR, laid out like a
                       board's /lib, instead of micropython-lib's index (repeatable)
  --hci ADAPTER        an adapter to use (repeatable; default: the system's):
                         default        the OS Bluetooth stack
                         hci:N          Linux raw HCI device N
                         uart:PORT[@BAUD]  an HCI controller on a serial port (e.g. a Pico or
                                        nRF dongle running an HCI UART firmware)
                         dbus[:hciN]    BlueZ over D-Bus (needs the dbus-next package)
  --pair NAME|ADDR     remember this device (repeatable); a name pairs the first device heard
                       with it
  --ping-hz R          pings per second per link, 0 to 100 (default 10; 0 stops pinging)
  --duration S         stop S seconds after every paired device is linked (or 15 s after start
                       if some never link)
  --export FILE        after stopping, write this session's log to FILE (.csv, .ndjson or .jsonl)
  --keep-days N        log retention: delete rows older than N days (default: the app's
                       setting, else 365), at start and every hour
  --keep-gb N          log retention: delete the oldest rows once the log holds N GB
                       (default: the app's setting, else 2)
  --json               JSON lines instead of the table: status each second, every state
                       change, received messages, then a summary
  --home DIR           the app data folder (default: PICOLINK_HOME, or the platform's)
  --mqtt URL           also publish to an MQTT broker, mqtt[s]://[user:pass@]host[:port]:
                       status, each device's state, samples, stats and messages under
                       PREFIX/HUB/, and take commands (send, connect, pair...); docs/MQTT.md
  --mqtt-prefix P      the topic prefix (default picolink)
  --hub-name NAME      this hub's topic level (default: the host name)
  --mqtt-ca FILE       trust the CA certificate in FILE (PEM) for an mqtts:// broker
  --ha-discovery       also publish Home Assistant discovery configs (homeassistant/...)
  -h, --help           this text`;

/** Strict flag parsing (no positionals, no unknown flags) whose every complaint is a UsageError. */
export function parseFlags<const T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: argv, strict: true as const, allowPositionals: false as const, options }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
