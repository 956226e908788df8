# Runs the app named in config.py (see README.md). asyncio.run comes last, as on every board.
import asyncio
import config

app = __import__("examples." + getattr(config, "APP", "dashboard"), None, None, ["main"])
asyncio.run(app.main(config))
