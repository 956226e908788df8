# PicoLink configuration: the one file to edit on each board.
ROLE = "peripheral"  # "peripheral" (the dashboard links to it) or "central" (links to PEER)
NAME = "picolink"  # this board's advertised name (up to 29 characters)
PEER = None  # central: the peer's name to link to; None links to any PicoLink peripheral
APP = "dashboard"  # "dashboard", "hello" (the tutorial's scenario) or "temperature"
PROFILE = "picolink"  # "picolink", or "tutorial" to serve/speak the tutorial's 0x1848/0x2A6E profile
