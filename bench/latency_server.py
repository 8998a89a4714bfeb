"""A Graph-like endpoint that answers every POST after a fixed delay (``PORT SECONDS``).

Threaded and keep-alive like a real API, in its own process so it does not compete with the
client for the interpreter lock.
"""

from __future__ import annotations

import sys
import time
from http.server import ThreadingHTTPServer

from bench.noop_server import Handler


class SlowHandler(Handler):
    delay = 0.1

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        time.sleep(self.delay)
        super().do_POST()


if __name__ == "__main__":
    SlowHandler.delay = float(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), SlowHandler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()
