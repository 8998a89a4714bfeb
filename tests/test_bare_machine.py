"""First run on a bare Debian machine: the demo and a delivery pass work with only the system
packages the Makefile installs; a missing tool is a Vietnamese apt-get line, not a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assets.systools import MissingToolError, package_for, require
from tests.baremachine import bare_bin, makefile_list

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs Debian's dpkg")

VENV_BIN = Path(sys.executable).parent


def _campaign(path: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {"HOME": str(cwd), "PATH": f"{path}:{VENV_BIN}", "LANG": "C.UTF-8"}
    return subprocess.run([str(VENV_BIN / "campaign"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bare_bin(tmp_path_factory.mktemp("bare") / "bin", makefile_list("DEMO_APT"))


def test_the_bare_path_hides_tools_installed_for_the_tests(demo_path: Path) -> None:
    # the machine running the tests has Tesseract and poppler; the bare PATH must not
    assert (demo_path / "espeak-ng").exists() and (demo_path / "ffmpeg").exists()
    assert (demo_path / "sh").exists() and (demo_path / "ls").exists()
    for tool in ("tesseract", "pdftoppm", "pg_dump", "icecast2"):
        assert not (demo_path / tool).exists(), tool


def test_demo_runs_on_a_bare_machine_with_the_demo_packages(demo_path: Path,
                                                            tmp_path: Path) -> None:
    out = _campaign(demo_path, "demo", "--json", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["delivered"] == data["planned"] > 1000 and data["failed"] == 0
    audio = list((tmp_path / "demo" / "outbox").rglob("*.mp3"))
    assert audio and all(path.stat().st_size > 1000 for path in audio[:5])


def test_run_once_on_a_sample_workspace_on_a_bare_machine(demo_path: Path,
                                                          tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert _campaign(demo_path, "init", str(ws), cwd=tmp_path).returncode == 0
    for args in (["plan", "campaigns/vi-du.yaml"],
                 ["approve", "nq57-thang3", "--by", "Nguyễn Văn A"]):
        done = _campaign(demo_path, *args, cwd=ws)
        assert done.returncode == 0, done.stderr
    # `campaign init` moves the sample's two weeks to start next Monday
    start = re.search(r"^period: \{start: ([0-9-]+),", (ws / "campaigns" / "vi-du.yaml")
                      .read_text("utf-8"), re.M)
    assert start is not None
    out = _campaign(demo_path, "run", "--once", "--json", "--now", f"{start[1]} 05:30", cwd=ws)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    # 50 loudspeaker sessions, plus the printed materials due ahead of their hanging date
    assert summary["claimed"] == summary["sent"] >= 50, summary
    # loudspeaker routes into folders: speech synthesised and encoded with the demo packages
    assert len(list((ws / "var" / "loa").rglob("0530-*.mp3"))) == 50


def test_a_missing_tool_is_an_apt_get_line_not_a_traceback(tmp_path: Path) -> None:
    # the Makefile's demo list before issue #13: espeak-ng without ffmpeg
    path = bare_bin(tmp_path / "bin", ["espeak-ng"])
    assert not (path / "ffmpeg").exists()
    out = _campaign(path, "demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "sudo apt-get install -y ffmpeg" in out.stderr


def test_require_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingToolError) as caught:
        require("pg_dump")
    assert caught.value.package == "postgresql-client"
    assert "sudo apt-get install -y postgresql-client" in caught.value.message
    assert package_for("/usr/bin/ffprobe") == "ffmpeg"
    os.symlink(shutil.which("true", path=os.defpath) or "/bin/true", tmp_path / "pg_dump")
    assert require("pg_dump") == str(tmp_path / "pg_dump")
