# input() as on a board: py/modbuiltins.c mp_builtin_input prints the prompt, then reads a line
# with mp_hal_readline(&line, "") = shared/readline/readline.c readline, the friendly REPL's own
# editor: cursor keys, Home/End, Delete, emacs keys, Tab completion and the REPL's history (Enter
# pushes the line, Up recalls REPL lines and earlier input() lines alike). Here that editor is the
# boot's Readline (readline.ts), fed from the USB port by _pico.input_line (board-worker.ts).
# Ctrl-C raises KeyboardInterrupt, Ctrl-D on an empty line EOFError. This build's own input()
# never reads the runtime's stdin, which is the board's USB port.
import sys
import _pico
from micropython import const

_CHAR_CTRL_C = const(3)
_CHAR_CTRL_D = const(4)


def input(prompt=None):
    if prompt is not None:
        sys.stdout.write(str(prompt))
    r = _pico.input_line()
    if r is None:
        # No USB port: stdin is at its end.
        raise EOFError
    if r == _CHAR_CTRL_C:
        # Ctrl-C while code runs has scheduled KeyboardInterrupt (mp_usbd_cdc.c tud_cdc_rx_cb),
        # raised here as mp_hal_stdin_rx_chr's mp_handle_pending does: once.
        from _pico_boot import _kbd_pending

        _kbd_pending()
        raise KeyboardInterrupt
    if r == _CHAR_CTRL_D:
        raise EOFError
    return r
