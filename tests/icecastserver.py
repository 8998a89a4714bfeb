"""A real icecast2 for tests: a config in a temp dir, a loopback port, stopped afterwards.

Shared by the loudspeaker adapter's tests, the lane engine's ward mornings and the 200-stream
bench, as tests/pgserver.py is for PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ICE_PASSWORD = "IceSourceSECRET-42"
"""The source password every test server is configured with (read as env:ICE_PW)."""

ICECAST_XML = """<icecast>
  <location>test</location><admin>test@localhost</admin>
  <limits><clients>10</clients><sources>4</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>5</source-timeout><burst-on-connect>1</burst-on-connect>
    <burst-size>65535</burst-size></limits>
  <authentication><source-password>{password}</source-password><admin-user>admin</admin-user>
    <admin-password>{password}-admin</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{logdir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def icecast_status(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status-json.xsl", timeout=2) as resp:
        return dict(json.load(resp)["icestats"])


@contextmanager
def icecast_server(root: Path, sources: int = 64) -> Iterator[int]:
    """A real icecast2 with room for ``sources`` mounts at once; yields its port."""
    binary = shutil.which("icecast2")
    assert binary, "icecast2 is required (Debian package icecast2, in the Makefile's TEST_APT)"
    root.mkdir(parents=True, exist_ok=True)
    owner = ("<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
             if os.geteuid() == 0 else "")
    port = free_port()
    xml = ICECAST_XML.format(password=ICE_PASSWORD, port=port, logdir=root, owner=owner)
    xml = xml.replace("<sources>4</sources>", f"<sources>{sources}</sources>").replace(
        "<clients>10</clients>", f"<clients>{sources * 2 + 10}</clients>")
    config = root / "icecast.xml"
    config.write_text(xml, encoding="utf-8")
    with (root / "icecast.log").open("wb") as log:
        proc = subprocess.Popen([binary, "-c", str(config)], stdout=log, stderr=log)
        try:
            for _ in range(100):
                try:
                    if "admin" in icecast_status(port):
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.05)
            else:
                raise RuntimeError("icecast2 did not start")
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)
