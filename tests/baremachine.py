"""A PATH that holds only what a bare Debian machine plus the Makefile's packages would have.

Reads a package list (``DEMO_APT``) from the Makefile, closes it over ``Depends`` and
``Pre-Depends`` together with Debian's essential packages, and links every program those
packages install (``dpkg -L``) into one folder. A tool installed by hand on the test machine is
then invisible, so a missing Makefile entry fails the test instead of hiding.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN_DIRS = ("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")


def makefile_list(name: str, makefile: Path = REPO / "Makefile") -> list[str]:
    """Packages of ``NAME := …`` in the Makefile, with ``$(OTHER)`` references expanded."""
    assignments: dict[str, str] = {}
    for line in makefile.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z_]+)\s*:?=\s*(.*)$", line)
        if match:
            assignments[match.group(1)] = match.group(2)

    def expand(var: str) -> list[str]:
        out: list[str] = []
        for word in assignments[var].split():
            ref = re.fullmatch(r"\$\(([A-Z_]+)\)", word)
            out.extend(expand(ref.group(1)) if ref else [word])
        return out

    return expand(name)


def _installed() -> tuple[dict[str, list[list[str]]], dict[str, list[str]], list[str]]:
    """Installed packages → their dependency alternatives; virtual name → providers;
    the essential packages."""
    fmt = "${Package}\t${Status}\t${Essential}\t${Provides}\t${Depends}, ${Pre-Depends}\n"
    text = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True,
                          check=True).stdout
    depends: dict[str, list[list[str]]] = {}
    provides: dict[str, list[str]] = {}
    essential: list[str] = []
    for line in text.splitlines():
        package, status, ess, prov, deps = (line.split("\t") + [""] * 5)[:5]
        if "installed" not in status.split():
            continue
        if ess == "yes":
            essential.append(package)
        for name in _names(prov):
            provides.setdefault(name, []).append(package)
        depends[package] = [[_bare(alt) for alt in group.split("|")]
                            for group in deps.split(",") if group.strip()]
    return depends, provides, essential


def _bare(item: str) -> str:
    return item.strip().split(" ")[0].split(":")[0]


def _names(field: str) -> list[str]:
    return [_bare(p) for p in field.split(",") if p.strip()]


def closure(roots: list[str]) -> set[str]:
    """``roots`` with the essential packages and everything they depend on (for each
    alternative group, the installed members)."""
    depends, provides, essential = _installed()
    missing = [p for p in roots if p not in depends]
    if missing:
        raise LookupError(f"not installed on this machine: {missing}")
    seen: set[str] = set()
    todo = [*roots, *essential]
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        for group in depends.get(package, []):
            chosen = [alt for alt in group if alt in depends]
            if not chosen:
                chosen = [p for alt in group for p in provides.get(alt, [])][:1]
            todo.extend(chosen)
    return seen


def bare_bin(folder: Path, packages: list[str]) -> Path:
    """``folder`` filled with links to every program of ``packages``' closure."""
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(closure(packages))
    listing = subprocess.run(["dpkg", "-L", *names], capture_output=True, text=True,
                             check=False).stdout
    for path in listing.splitlines():
        if not path.startswith(BIN_DIRS):
            continue
        target = Path(path)
        link = folder / target.name
        if target.is_file() and os.access(target, os.X_OK) and not link.exists():
            link.symlink_to(target)
    return folder
