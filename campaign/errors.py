"""Errors people see: every one names the file, the line, the field and what to do.

The CLI prints them and exits with status 2; nothing is written to the ledger before the whole
input has been validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    file: str
    line: int | None
    field: str | None
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        shown = shown_path(self.file)
        where = shown if self.line is None else f"{shown}:{self.line}"
        what = f" [{self.field}]" if self.field else ""
        fix = f" Cách sửa: {self.fix}" if self.fix else ""
        return f"{where}:{what} {self.message}{fix}"


def shown_path(path: str, limit: int = 160) -> str:
    """A path as people can read it: control characters escaped, very long names shortened."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in str(path))
    return text if len(text) <= limit else f"{text[:limit // 2]}…{text[-limit // 2:]}"


class InputError(Exception):
    """Bad input from a person. Carries one or more :class:`Problem`."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str | Path, message: str, *, line: int | None = None,
               field: str | None = None, fix: str | None = None) -> InputError:
        return cls(Problem(str(file), line, field, message, fix))
