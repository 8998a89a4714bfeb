"""Property: whatever an operator (or a bad copy-paste) does to the campaign file or to
directory.yaml, `campaign plan` answers with exit status 0 or 2, never a traceback, in
bounded time, and a refused plan leaves the ledger exactly as it was."""

from __future__ import annotations

import re
import shutil
import textwrap
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaign.cli import main
from campaign.sample import write_workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from tests.conftest import CAMPAIGN, WARDS

HOSTILE = [
    "", "[]", "{}", "null", "~", "true", "-5", "0", ".nan", ".inf", "1e309", "0x10",
    "99999999999999999999999", "2025-02-30", "2925-03-14", "0001-01-01", "9999-12-31",
    '"6h"', '"06:00"', '"25:00"', '"\u200b\u200b"', '"\\x01"', "@x", "`x", "%x", "*nope",
    "&a [*a]", "{a: b", "[a, b", "'", '"', "- x", ": x", "../../directory.yaml",
    "a" * 300, "!!python/object/apply:os.system [ls]", "!!binary AAAA", "\t x",
    "[t2, t2, xx]", "hang-ngay", "phuong-xa", "tat-ca", '""', "\x00", "\x85", "\ufeff",
]
PER_CASE_SECONDS = 10
ENGLISH = re.compile(r"Traceback|Input should|did not find|found character|could not|"
                     r"while (scanning|parsing)|Error\b|Value error")


def mutate(data: st.DataObject, text: str) -> str:
    """One to three edits of the kind people and broken tools make."""
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(
            ["value", "value", "delete", "duplicate", "swap", "indent", "char", "truncate"]))
        line = lines[i]
        if op == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {data.draw(st.sampled_from(HOSTILE))}"
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], line
        elif op == "indent":
            lines[i] = data.draw(st.sampled_from(["", " ", "   ", "\t"])) + line.lstrip()
        elif op == "char":
            pos = data.draw(st.integers(0, len(line)))
            char = data.draw(st.sampled_from(list(":[]{},'\"#&*!|>%@`-\t\x00\x07\u200b")) |
                             st.characters())
            lines[i] = line[:pos] + char + line[pos:]
        elif op == "truncate":
            lines = lines[:i]
    return "\n".join(lines) + "\n"


def ledger_counts(url: str) -> tuple[int, int]:
    ledger = Ledger(url)
    try:
        with ledger.session() as s:
            return (s.scalar(select(func.count()).select_from(Post)),
                    s.scalar(select(func.count()).select_from(LogEntry)))
    finally:
        ledger.dispose()


def check_case(root, campaign_file) -> None:
    url = f"sqlite:///{root / 'campaign.db'}"
    before = ledger_counts(url)
    start = time.monotonic()
    result = CliRunner().invoke(main, ["plan", "-w", str(root), str(campaign_file)],
                                catch_exceptions=True)
    elapsed = time.monotonic() - start
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert not ENGLISH.search(result.output), result.output
    assert elapsed < PER_CASE_SECONDS, elapsed
    if result.exit_code == 2:
        assert "Lỗi" in result.output or "lỗi" in result.output, result.output
        assert ledger_counts(url) == before


def make_workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz") / "ws"
    write_workspace(root, outbox=True, wards=WARDS)
    text = (root / "directory.yaml").read_text(encoding="utf-8").replace(
        "deliver: {via: outbox}}", "deliver: {via: outbox, audio: false}}")
    (root / "directory.yaml").write_text(text, encoding="utf-8")
    good = root / "campaigns" / "thu.yaml"
    good.write_text(textwrap.dedent(CAMPAIGN), encoding="utf-8")
    assert CliRunner().invoke(main, ["plan", "-w", str(root), str(good)]).exit_code == 0
    return root, good, text


SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(data=st.data())
def test_mutated_campaign_file(tmp_path_factory, data):
    root, _, _ = _workspace(tmp_path_factory)
    bad = root / "campaigns" / "dot-bien.yaml"
    bad.write_bytes(mutate(data, textwrap.dedent(CAMPAIGN)).encode("utf-8", "surrogatepass"))
    check_case(root, bad)


@SETTINGS
@given(data=st.data())
def test_mutated_directory_file(tmp_path_factory, data):
    root, good, directory = _workspace(tmp_path_factory)
    try:
        (root / "directory.yaml").write_bytes(
            mutate(data, directory).encode("utf-8", "surrogatepass"))
        check_case(root, good)
    finally:
        (root / "directory.yaml").write_text(directory, encoding="utf-8")


_CACHE: dict[str, tuple] = {}


def _workspace(tmp_path_factory):
    """One workspace for all examples of a run (planning it once costs a second)."""
    if "ws" not in _CACHE or not _CACHE["ws"][0].exists():
        _CACHE["ws"] = make_workspace(tmp_path_factory)
    return _CACHE["ws"]


def teardown_module() -> None:
    if "ws" in _CACHE:
        shutil.rmtree(_CACHE["ws"][0].parent, ignore_errors=True)
        _CACHE.clear()
