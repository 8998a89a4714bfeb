"""Only the schedules layer writes the delivery log and changes post states.

Like tests/test_layers.py for imports, this scans the code of the other layers (campaign,
channels, assets) for the ways a module could write either: the log helpers of
``schedules.ledger``, constructing or bulk-inserting ``LogEntry``, ``insert``/``update``/
``delete`` on ``Post`` or ``LogEntry``, assigning a post's ``state`` or ``confirmation``, and raw
SQL that writes the ``posts`` or ``delivery_log`` tables.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ["campaign", "channels", "assets"]

LOG_HELPERS = {"log", "log_many", "bulk_insert"}
TABLES = {"Post", "LogEntry"}
POST_FIELDS = {"state", "confirmation"}
RAW_SQL = re.compile(r"\b(insert\s+into|update|delete\s+from)\s+\"?(posts|delivery_log)\b", re.I)


def _table(node: ast.expr) -> str | None:
    """``Post`` or ``LogEntry`` (also ``Post.__table__``), else None."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    if isinstance(node, ast.Name) and node.id in TABLES:
        return node.id
    return None


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for every write of the log or of post state in ``source``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "schedules.ledger":
            for alias in node.names:
                if alias.name in LOG_HELPERS:
                    found.append((node.lineno, f"imports schedules.ledger.{alias.name}"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if name == "LogEntry":
                found.append((node.lineno, "constructs LogEntry"))
            elif name in ("insert", "update", "delete") and node.args:
                table = _table(node.args[0])
                if table:
                    found.append((node.lineno, f"{name}({table})"))
            elif name in ("insert", "update", "delete") and isinstance(func, ast.Attribute) \
                    and _table(func.value):
                found.append((node.lineno, f"{_table(func.value)}.__table__.{name}()"))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in POST_FIELDS:
                    found.append((node.lineno, f"assigns .{target.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and RAW_SQL.search(node.value):
            found.append((node.lineno, "raw SQL writing posts/delivery_log"))
    return sorted(found)


def test_only_schedules_writes_the_log_and_post_states() -> None:
    offenders = []
    for layer in SCANNED:
        for path in sorted((ROOT / layer).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for line, what in offences(path.read_text(encoding="utf-8")):
                offenders.append(f"{rel}:{line} {what}")
    assert offenders == []


def test_the_scan_finds_each_kind_of_write() -> None:
    source = '''
from schedules.ledger import Ledger, log
from sqlalchemy import update
from schedules.models import LogEntry, Post
session.add(LogEntry(event="sent"))
session.execute(update(Post).values(state="sent"))
session.execute(LogEntry.__table__.insert(), rows)
post.state = "cancelled"
post.confirmation = "played"
con.execute("UPDATE posts SET state = 'sent'")
con.execute("INSERT INTO delivery_log (event) VALUES ('sent')")
'''
    assert [what for _, what in offences(source)] == [
        "imports schedules.ledger.log", "constructs LogEntry", "update(Post)",
        "LogEntry.__table__.insert()", "assigns .state", "assigns .confirmation",
        "raw SQL writing posts/delivery_log", "raw SQL writing posts/delivery_log"]
    reads = '''
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
rows = session.execute(select(LogEntry).where(LogEntry.post_id == Post.id))
request.state.user = user
app.state.ledger = ledger
text = "SELECT * FROM delivery_log"
'''
    assert offences(reads) == []
