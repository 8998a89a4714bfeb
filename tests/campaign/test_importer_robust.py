"""Hostile and damaged files: zip bombs, broken packages and PDFs, non-UTF-8 parts, oversized
inputs — each a Vietnamese message and exit status 2, in bounded time and memory."""

from __future__ import annotations

import io
import random
import resource
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import main
from campaign.errors import InputError
from campaign.importer import import_file, limits
from tests.campaign.test_importer_formats import FONT, make_docx, make_pdf


def _rewrite_docx(source: Path, target: Path, change: dict[str, bytes | None],
                  extra: dict[str, int] | None = None) -> Path:
    """Copy a .docx, replacing (or dropping, with None) parts and adding zero-filled parts of
    the given sizes, written in chunks so the test itself stays small in memory."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w",
                                                         zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename in change:
                if change[item.filename] is not None:
                    new.writestr(item.filename, change[item.filename])  # type: ignore[arg-type]
            else:
                new.writestr(item, old.read(item))
        for name, size in (extra or {}).items():
            with new.open(name, "w") as stream:
                chunk = b"\0" * (1 << 20)
                for _ in range(size >> 20):
                    stream.write(chunk)
    return target


def _refused(path: Path, words: str) -> InputError:
    with pytest.raises(InputError) as info:
        import_file(path)
    problem = info.value.problems[0]
    assert problem.file == str(path)
    assert words in problem.message, problem.message
    assert problem.fix
    return info.value


def test_zip_bomb_docx_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx")
    bomb = _rewrite_docx(good, tmp_path / "bom.docx", {},
                         {"word/media/image1.png": limits.MAX_ZIP_BYTES + (8 << 20)})
    assert bomb.stat().st_size < 1_000_000  # small on disk, ~90 MB expanded
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    _refused(bomb, "bom nén")
    assert time.perf_counter() - start < 10
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 64 * 1024  # never holds the expanded part


def test_docx_part_that_expands_too_far_for_its_size(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx")
    limits_ratio = _rewrite_docx(good, tmp_path / "ty-le.docx", {},
                                 {"word/media/a.bin": 20 << 20})
    _refused(limits_ratio, "bom nén")


@pytest.mark.parametrize("name, change", [
    ("xml-hong", {"word/document.xml": b"<w:document><w:body><w:p>"}),
    ("khong-utf8", {"word/document.xml":
                    '<?xml version="1.0" encoding="utf-8"?><w:document xmlns:w="http://'
                    'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
                    '<w:t>Kế hoạch tuyên truyền</w:t></w:r></w:p></w:body></w:document>'
                    .encode("cp1258", "replace") + b"\xff\xfe\xc3"}),
    ("thieu-phan", {"word/document.xml": None}),
    ("content-types-hong", {"[Content_Types].xml": b"\x00\x01garbage"}),
])
def test_corrupted_docx_parts(tmp_path: Path, name: str, change: dict) -> None:
    good = make_docx(tmp_path / "good.docx")
    _refused(_rewrite_docx(good, tmp_path / f"{name}.docx", change), "Không đọc được tệp Word")


def test_truncated_and_mutated_zip_docx(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "good.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])
    _refused(tmp_path / "cut.docx", "Không đọc được tệp Word")
    rng = random.Random(7)
    for n in range(25):
        mutated = bytearray(data)
        for _ in range(20):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        path = tmp_path / f"m{n}.docx"
        path.write_bytes(bytes(mutated))
        try:
            import_file(path)  # a lucky mutation may still read: fine, as long as no crash
        except InputError as exc:
            assert exc.problems[0].fix


@pytest.mark.skipif(not FONT.exists(), reason="font missing")
def test_truncated_mutated_and_non_utf8_pdf(tmp_path: Path) -> None:
    lines = ["UBND PHƯỜNG TAM HIỆP", "Số: 12/KH-UBND", "KẾ HOẠCH",
             "Tuyên truyền phòng, chống dịch bệnh mùa mưa",
             "Tam Hiệp, ngày 02 tháng 6 năm 2025"] + ["Nội dung tuyên truyền dành cho nhân dân "
                                                     "trên địa bàn phường."] * 5
    data = make_pdf(tmp_path / "good.pdf", lines).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 3])
    (tmp_path / "latin1.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <</Type /Catalog \xe9\xe8\xff>>\n"
                                          b"trailer <</Root 1 0 R>>\n%%EOF")
    for name in ("cut.pdf", "latin1.pdf"):
        with pytest.raises(InputError) as info:
            import_file(tmp_path / name)
        assert info.value.problems[0].fix
    rng = random.Random(11)
    for n in range(25):
        mutated = bytearray(data)
        for _ in range(30):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        path = tmp_path / f"m{n}.pdf"
        path.write_bytes(bytes(mutated))
        try:
            import_file(path)
        except InputError as exc:
            assert exc.problems[0].fix


def test_size_and_paragraph_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "lon.txt"
    big.write_text("Kế hoạch tuyên truyền.\n" * 30_000, encoding="utf-8")
    _refused(big, "đoạn/dòng")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    _refused(big, "MB")


def test_cli_zip_bomb_exit_2_vietnamese(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"\0" * (limits.MAX_ZIP_BYTES + 1))
    bomb = tmp_path / "bom.docx"
    bomb.write_bytes(buffer.getvalue())
    out = tmp_path / "out.yaml"
    result = CliRunner().invoke(main, ["import", str(bomb), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "bom nén" in result.output and "Cách sửa" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert good.exists()


def test_bad_paths(tmp_path: Path) -> None:
    for path in (tmp_path / ("x" * 400 + ".txt"), Path(str(tmp_path) + "/a\0b.txt")):
        result = CliRunner().invoke(main, ["import", str(path)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output


def test_unwritable_output_exit_2_nothing_written(tmp_path: Path) -> None:
    source = Path(__file__).parent / "importer_docs" / "ke_hoach_hai_cot.md"
    blocker = tmp_path / "tep.txt"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(blocker / "x.yaml")])
    assert result.exit_code == 2, result.output
    assert "Không ghi được bản nháp" in result.output
    assert "Traceback" not in result.output
