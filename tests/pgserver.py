"""A real PostgreSQL server for tests: initdb into a temp dir, loopback port, torn down after.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user
that Debian's package creates. ``make test`` installs the server; a missing one is an error,
not a skip: multi-worker delivery is a feature that must be tested.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL server not installed: run `make test` as root (it installs "
                       "the Debian package postgresql) or `apt-get install postgresql`.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh, empty PostgreSQL database."""
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
    data = root / "data"
    demote = None
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)

        def demote() -> None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "campaign",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True,
                   preexec_fn=demote, env=env)
    subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                          "-c max_connections=50", "start"],
                   check=True, capture_output=True, preexec_fn=demote, env=env)
    try:
        yield f"postgresql+psycopg://campaign@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, preexec_fn=demote, env=env)
        shutil.rmtree(root, ignore_errors=True)
