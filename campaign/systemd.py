"""systemd units for the two long-running commands: ``campaign run`` and ``campaign serve``.

The dashboard listens on loopback behind a TLS reverse proxy (nginx example in
docs/HUONG-DAN.md) and trusts X-Forwarded-For only from that proxy. Both units read the
workspace's ``.env`` through ``EnvironmentFile`` and restart on failure; SIGTERM lets the
dispatcher finish the post in flight.
"""

from __future__ import annotations

import getpass
import grp
import os
import pwd
import sys
from dataclasses import dataclass
from pathlib import Path

UNIT = """\
[Unit]
Description={description}
Documentation=file://{root}/README.md
After=network-online.target{after}
Wants=network-online.target

[Service]
Type=simple
User={user}
Group={group}
WorkingDirectory={root}
EnvironmentFile=-{root}/.env
Environment=CAMPAIGN_WORKSPACE={root} PYTHONUNBUFFERED=1
ExecStart={exec_start}
Restart=on-failure
RestartSec=10
KillSignal=SIGTERM
TimeoutStopSec=120
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=full
UMask=0027

[Install]
WantedBy=multi-user.target
"""


@dataclass(frozen=True)
class Unit:
    name: str
    text: str


def service_user() -> str:
    """The person who asked (through sudo), else the current account."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def campaign_binary() -> Path:
    """The ``campaign`` script of the running installation (the virtualenv's)."""
    return Path(sys.executable).parent / "campaign"


def units(root: Path, *, user: str, port: int = 8080, prefix: str = "campaign",
          postgres: bool = False, binary: Path | None = None) -> list[Unit]:
    """The run and serve units for workspace ``root``, running as ``user``."""
    try:
        group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        group = user
    exe = binary or campaign_binary()
    after = " postgresql.service" if postgres else ""
    common = {"root": root, "user": user, "group": group, "after": after}
    run = UNIT.format(description="Lập lịch tuyên truyền: gửi bài đến giờ (campaign run)",
                      exec_start=f"{exe} run -w {root}", **common)
    serve = UNIT.format(description="Lập lịch tuyên truyền: trang theo dõi (campaign serve)",
                        exec_start=f"{exe} serve -w {root} --host 127.0.0.1 --port {port} "
                                   "--trusted-proxy 127.0.0.1", **common)
    return [Unit(f"{prefix}-run.service", run), Unit(f"{prefix}-serve.service", serve)]


def write_units(target: Path, unit_list: list[Unit], *, force: bool = False) -> list[Path]:
    """Write each unit into ``target``; refuses to overwrite a different file unless ``force``."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for unit in unit_list:
        path = target / unit.name
        if path.exists() and path.read_text(encoding="utf-8") != unit.text and not force:
            raise FileExistsError(str(path))
        path.write_text(unit.text, encoding="utf-8")
        written.append(path)
    return written
