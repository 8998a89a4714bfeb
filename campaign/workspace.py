"""The operator's folder: directory.yaml, campaigns/, media/, .env and the ledger file."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from campaign.directory import Directory, load_directory
from campaign.errors import InputError
from channels.base import AdapterContext, TokenStore
from channels.secrets import SecretResolver

DB_ENV = "CAMPAIGN_DB"


@dataclass
class Workspace:
    root: Path
    _secrets: SecretResolver | None = field(default=None, repr=False)

    @classmethod
    def open(cls, root: Path | str) -> Workspace:
        """A workspace folder; InputError in Vietnamese when it has no directory.yaml."""
        path = Path(root).expanduser().resolve()
        if not (path / "directory.yaml").is_file():
            raise InputError.single(
                path / "directory.yaml", "Không tìm thấy tệp danh bạ của thư mục làm việc.",
                fix=f"Tạo thư mục mẫu bằng lệnh: campaign init {path} — hoặc chỉ đúng thư mục "
                    "bằng tuỳ chọn -w.")
        return cls(path)

    @cached_property
    def directory(self) -> Directory:
        return load_directory(self.root / "directory.yaml")

    @property
    def campaigns_dir(self) -> Path:
        return self.root / "campaigns"

    @property
    def media_dir(self) -> Path:
        return self.root / "media"

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    @property
    def outbox_dir(self) -> Path:
        return self.root / "outbox"

    @property
    def secrets(self) -> SecretResolver:
        if self._secrets is None:
            self._secrets = SecretResolver.for_workspace(self.root)
        return self._secrets

    @property
    def db_url(self) -> str:
        """``CAMPAIGN_DB`` (env or .env) or a SQLite file in the workspace."""
        return self.secrets.setting(DB_ENV) or f"sqlite:///{self.root / 'campaign.db'}"

    def adapter_context(self, tokens: TokenStore | None = None) -> AdapterContext:
        telegram = self.directory.data.telegram
        reading = self.directory.data.reading
        speech = {"syllables_per_second": reading.syllables_per_second, "engine": reading.engine,
                  "dictionary": str(self.root / reading.dictionary) if reading.dictionary
                  else None}
        context = AdapterContext(
            secrets=self.secrets, workspace=self.root, media_dir=self.media_dir,
            var_dir=self.var_dir, telegram=telegram.model_dump() if telegram else {},
            speech=speech,
        )
        if tokens is not None:
            context.tokens = tokens
        return context
