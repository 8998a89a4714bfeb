"""Content-addressed media store: a file is kept once, named by the SHA-256 of its bytes
(or of the recipe that made it), so re-rendering the same slogan or script costs nothing."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    a reader (a controller PC, a sync tool, a person) never sees half a file.

    ``durable`` also fsyncs before the rename: for files a player picks up; previews skip it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def digest(*parts: str | bytes) -> str:
    """Stable hex key for a recipe (text, size, voice …)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class MediaStore:
    """Files under ``root/ab/abcdef….ext``. Writes are atomic (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, key: str, suffix: str) -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def get_or_create(self, key: str, suffix: str, make: Callable[[Path], object]) -> Path:
        """Return the stored file for ``key``; call ``make(tmp_path)`` to produce it if absent."""
        final = self.path_for(key, suffix)
        if final.exists():
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=final.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        try:
            make(tmp_path)
            os.replace(tmp_path, final)
        finally:
            tmp_path.unlink(missing_ok=True)
        return final

    def put_bytes(self, data: bytes, suffix: str) -> Path:
        key = digest(data)
        return self.get_or_create(key, suffix, lambda p: p.write_bytes(data))
