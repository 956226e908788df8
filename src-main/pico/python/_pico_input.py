# input() as on a board: py/modbuiltins.c mp_builtin_input reads a line with shared/readline
# (readline.c: what is typed is echoed, backspace rubs out a character, Enter ends the line and
# echoes a newline, Ctrl-D on an empty line raises EOFError, Ctrl-C interrupts it). This
# build's input() never reads the runtime's stdin, which is the board's USB port.
import sys


def input(prompt=None):
    out = sys.stdout
    if prompt is not None:
        out.write(str(prompt))
    line = []
    while True:
        c = sys.stdin.read(1)
        if not c:
            raise EOFError
        if c == "\x03":
            # Ctrl-C while code runs has scheduled KeyboardInterrupt (mp_usbd_cdc.c
            # tud_cdc_rx_cb), raised here as mp_hal_stdin_rx_chr's mp_handle_pending does: once.
            from _pico_boot import _kbd_pending

            if _kbd_pending():
                raise KeyboardInterrupt
            continue
        if c == "\x04":
            if not line:
                raise EOFError
        elif c == "\r" or c == "\n":
            out.write("\n")
            return "".join(line)
        elif c == "\x08" or c == "\x7f":
            if line:
                line.pop()
                out.write("\b\x1b[K")
        elif c >= " ":
            line.append(c)
            out.write(c)
