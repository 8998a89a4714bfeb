"""A Zalo cover that is a file in media/ needs the endpoint's media_base_url: refused at check.

The article API takes a public ``photo_url`` (issue #19); the adapter refuses such a post at
delivery, which an operator only learns when the post fails. `campaign check` says it first,
with the campaign line and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from campaign.cli import main


def run(*args: str):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def workspace_with_cover(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "ws"
    assert run("init", str(root)).exit_code == 0
    Image.new("RGB", (640, 360), "red").save(root / "media" / "bia.png")
    campaign = root / "campaigns" / "vi-du.yaml"
    text = campaign.read_text(encoding="utf-8")
    text, n = re.subn(r"^(    zalo:\n)", r"\1      cover: bia.png\n", text, count=1, flags=re.M)
    assert n == 1
    campaign.write_text(text, encoding="utf-8")
    return root, campaign


def test_local_cover_without_media_base_url_is_refused_with_its_line(tmp_path: Path) -> None:
    root, campaign = workspace_with_cover(tmp_path)
    result = run("check", "-w", str(root), str(campaign))
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(campaign.read_text("utf-8").splitlines(), 1)
                if "cover: bia.png" in text)
    assert f"{campaign}:{line}" in result.output
    assert "media_base_url" in result.output and "zalo-" in result.output


def test_local_cover_with_media_base_url_passes(tmp_path: Path) -> None:
    root, campaign = workspace_with_cover(tmp_path)
    directory = root / "directory.yaml"
    text = directory.read_text(encoding="utf-8")
    text, n = re.subn(r"^    # media_base_url: .*$", "    media_base_url: https://ttvh.example.vn/media",
                      text, count=1, flags=re.M)
    assert n == 1
    directory.write_text(text, encoding="utf-8")
    result = run("check", "-w", str(root), str(campaign))
    assert result.exit_code == 0, result.output
