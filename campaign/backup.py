"""Backups of a workspace while the engine runs, and restoring one into an empty folder.

One ``.tar.gz`` holds ``manifest.json``, the ledger copy (``ledger.sqlite`` from SQLite's
online backup API, or ``ledger.sql`` from ``pg_dump``) and ``workspace/``: directory.yaml,
campaigns, media, the media store and delivered files under var/ and outbox/. The live
database files and older backups are never copied file-by-file. ``.env`` (the secrets) is left
out unless asked for; the secret key then has to be kept separately, because stored tokens in
the ledger are encrypted with it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from campaign.errors import InputError
from campaign.workspace import Workspace
from schedules.ledger import HEAD_REVISION
from schedules.snapshot import dump_ledger, load_ledger, sqlite_path

BACKUP_DIR = "backups"
PREFIX = "campaign-backup-"
SECRET_FILES = (".env",)
SKIP_DIRS = {BACKUP_DIR, ".venv", "__pycache__", ".git"}
"""Never copied: earlier backups (they would nest), a virtualenv, caches."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    files: int
    dialect: str
    with_secrets: bool

    def as_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "size": self.size, "files": self.files,
                "dialect": self.dialect, "with_secrets": self.with_secrets}


def version() -> str:
    try:
        return metadata.version("campaign-scheduler")
    except metadata.PackageNotFoundError:
        return "0"


def _ledger_files(ws: Workspace) -> set[Path]:
    if not ws.db_url.startswith("sqlite"):
        return set()
    db = sqlite_path(ws.db_url).resolve()
    return {db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"),
            db.with_name(db.name + "-journal")}


def workspace_files(ws: Workspace, *, with_secrets: bool) -> Iterator[Path]:
    """Files to copy, relative to the workspace root."""
    skip = _ledger_files(ws)
    for folder, dirs, files in os.walk(ws.root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if path.resolve() in skip or path.name.endswith((".part", ".lock")):
                continue
            if path.name in SECRET_FILES and not with_secrets:
                continue
            if path.is_file():
                yield path.relative_to(ws.root)


def make_backup(ws: Workspace, out_dir: Path | None = None, *, with_secrets: bool = False,
                now: datetime | None = None) -> BackupResult:
    """Write one backup archive of ``ws`` into ``out_dir`` (``backups/`` by default)."""
    now = now or datetime.now(UTC)
    out_dir = (out_dir or ws.root / BACKUP_DIR).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PREFIX}{now:%Y%m%d-%H%M%S}.tar.gz"
    dialect = "sqlite" if ws.db_url.startswith("sqlite") else "postgresql"
    count = 0
    with tempfile.TemporaryDirectory(prefix="backup-", dir=out_dir) as tmp:
        ledger_copy = dump_ledger(ws.db_url, Path(tmp))
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            manifest = {"format": 1, "version": version(), "created_at": now.isoformat(),
                        "revision": HEAD_REVISION, "dialect": dialect,
                        "ledger": ledger_copy.name, "with_secrets": with_secrets}
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(ledger_copy, arcname=ledger_copy.name)
            for rel in workspace_files(ws, with_secrets=with_secrets):
                tar.add(ws.root / rel, arcname=f"workspace/{rel.as_posix()}", recursive=False)
                count += 1
        if with_secrets:
            partial.chmod(0o600)
        partial.replace(target)
    return BackupResult(target, target.stat().st_size, count, dialect, with_secrets)


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``folder``; the deleted paths."""
    archives = sorted(folder.glob(f"{PREFIX}*.tar.gz"))
    doomed = archives[:-keep] if keep > 0 else archives
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def daily_backup(ws: Workspace, keep: int = 14) -> Path:
    """The service's nightly job: a backup without secrets, then keep the newest ``keep``."""
    result = make_backup(ws)
    prune_backups(result.path.parent, keep)
    return result.path


def _problem(path: Path | str, message: str, fix: str | None = None) -> InputError:
    return InputError.single(str(path), message, fix=fix)


def read_manifest(archive: Path) -> dict[str, object]:
    if not archive.is_file():
        raise _problem(archive, "Không thấy tệp sao lưu.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, object] = json.loads(member.read().decode("utf-8"))
            return manifest
    except (tarfile.TarError, KeyError, OSError, ValueError):
        raise _problem(archive, "Tệp này không phải bản sao lưu của phần mềm (hỏng hoặc sai "
                                "định dạng).", "Chọn tệp campaign-backup-….tar.gz.") from None


def is_live(root: Path) -> bool:
    """A folder that already holds a workspace (anything besides a prepared .env)."""
    return root.exists() and any(p.name not in SECRET_FILES for p in root.iterdir())


def restore_backup(archive: Path, root: Path) -> dict[str, object]:
    """Unpack ``archive`` into the empty folder ``root`` and load its ledger.

    Refuses a folder that holds anything but ``.env`` (a live workspace is never overwritten).
    The database is the one ``root``'s ``.env`` names in ``CAMPAIGN_DB`` (the restored
    ``.env`` when the backup has secrets), else ``campaign.db`` in ``root``.
    Everything is unpacked beside the target first, so a failure leaves nothing half-written.
    """
    archive = archive.expanduser().resolve()
    root = root.expanduser().resolve()
    manifest = read_manifest(archive)
    if is_live(root):
        raise _problem(root, "Thư mục đích đã có dữ liệu; khôi phục không ghi đè thư mục "
                             "đang dùng.", "Chọn một thư mục trống mới, ví dụ: campaign "
                             f"restore {archive.name} -w {root.parent / (root.name + '-khoi-phuc')}")
    root.parent.mkdir(parents=True, exist_ok=True)
    created = not root.exists()
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-restore-", dir=root.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            _safe_extract(tar, staging)
        files = staging / "workspace"
        if not (files / "directory.yaml").is_file():
            raise _problem(archive, "Bản sao lưu không có directory.yaml.")
        prepared = root / ".env"
        if prepared.is_file():  # a prepared .env (e.g. another CAMPAIGN_DB) wins
            shutil.copy2(prepared, files / ".env")
        load_ledger(staging / str(manifest["ledger"]), Workspace(files).db_url)
        root.mkdir(exist_ok=True)
        for item in files.iterdir():
            if not (root / item.name).exists():
                item.replace(root / item.name)
    except BaseException:
        _rollback(root, remove_root=created)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _safe_extract(tar: tarfile.TarFile, folder: Path) -> None:
    """Only plain files and folders inside ``folder`` (tarfile's data filter when present)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(folder, filter="data")
        return
    for member in tar.getmembers():  # Python without the 3.11.4 filters
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise _problem(member.name, "Bản sao lưu chứa mục không an toàn; không khôi phục.")
    tar.extractall(folder)  # noqa: S202 - members checked above


def _rollback(root: Path, *, remove_root: bool) -> None:
    """Empty ``root`` again after a failed restore (it held at most a prepared .env)."""
    if not root.exists():
        return
    for item in root.iterdir():
        if item.name not in SECRET_FILES:
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    if remove_root and not any(root.iterdir()):
        root.rmdir()
