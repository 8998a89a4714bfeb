"""Who ran a command: the operating-system account beside the name typed after ``--by``.

``--by "Nguyễn Văn A"`` is whatever the person typed; the account that ran the command is
what the machine knows. Both go into the log entry (the account in its detail), so an
approval or an alert can be traced to a login. Only the CLI records it: behind the
dashboard the account is the service's own and says nothing about the person.
"""

from __future__ import annotations

import getpass
import os

MAX_NAME = 64


def _effective_account() -> str | None:
    """The effective user's account name from the password database; unlike $USER or
    $LOGNAME (what getpass.getuser() reads first) it cannot be changed by the caller."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError, AttributeError):
        return None


def os_user_detail() -> dict[str, str]:
    """``{"os_user": …}`` (and ``sudo_user`` under sudo) for a CLI log entry; never raises.

    Falls back to getpass.getuser() (environment), then to the numeric uid, then to nothing.
    """
    name = _effective_account()
    if name is None:
        try:
            name = getpass.getuser()
        except Exception:  # noqa: BLE001 - KeyError (3.11) or OSError (3.13) without a pwd entry
            uid = getattr(os, "geteuid", None)
            name = f"uid {uid()}" if uid is not None else None
    detail: dict[str, str] = {}
    if name:
        detail["os_user"] = name[:MAX_NAME]
    sudo = os.environ.get("SUDO_USER")
    if sudo and sudo != name:
        detail["sudo_user"] = sudo[:MAX_NAME]
    return detail
