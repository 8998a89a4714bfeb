"""Ward accounts report through the dashboard and see only their own unit; managers see the
unit × activity table, who is missing, the photo gallery, the countdown and the exports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from starlette.testclient import TestClient

from campaign import queries
from campaign.cli import main
from campaign.ward_results import overview
from campaign.web import create_app
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from tests.campaign.wardworld import NOW, PASSWORD, build, jpeg

SECRET = "khoa-ky-phien-dung-cho-kiem-thu-0123456789"


@pytest.fixture
def world(tmp_path: Path) -> tuple[Workspace, Ledger, dict[str, int]]:
    ws, ledger, ids = build(tmp_path / "ws")
    yield ws, ledger, ids
    ledger.dispose()


def signed_in(ws: Workspace, ledger: Ledger, name: str) -> TestClient:
    client = TestClient(create_app(ws, ledger, secret=SECRET, clock=lambda: NOW),
                        base_url="http://127.0.0.1", follow_redirects=False)
    page = client.get("/login")
    answer = client.post("/login", data={"name": name, "password": PASSWORD,
                                         "csrf": csrf_of(page.text), "next": "/"})
    assert answer.status_code == 303
    client.headers["x-landed"] = answer.headers["location"]
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_a_ward_reports_for_its_own_unit_only(world: tuple[Workspace, Ledger, dict]) -> None:
    ws, ledger, ids = world
    tp = signed_in(ws, ledger, "tp")
    assert tp.headers["x-landed"] == "/phuong"
    for path in ("/", "/log", "/log.csv", "/queue", "/campaigns/thu-nghiem",
                 "/campaigns/thu-nghiem/ket-qua", "/campaigns/thu-nghiem/ket-qua.xlsx",
                 "/campaigns/thu-nghiem/report.docx"):
        assert tp.get(path).status_code == 403, path
    home = tp.get("/phuong")
    assert home.status_code == 200 and 'href="/phuong/thu-nghiem"' in home.text
    assert "Chưa báo cáo" not in home.text and "Báo cáo kết quả</a>" in home.text
    page = tp.get("/phuong/thu-nghiem")
    assert "Phường Tân Phong" in page.text and "Hội nghị quán triệt" in page.text
    assert "Phát tại chợ" not in page.text  # Hiệp Hòa's report
    assert "còn 4 ngày" in page.text
    assert tp.get("/phuong/khong-co").status_code == 404

    photo = jpeg("blue")
    answer = tp.post("/phuong/thu-nghiem", data={
        "csrf": csrf_of(page.text), "kind": "chi_bo", "day": "2025-05-02", "times": "3",
        "participants": "45", "note": "Sinh hoạt chi bộ khu phố 1", "unit": "trung-dung",
        "campaign": "khac"}, files=[("photos", ("anh.jpg", photo, "image/jpeg"))])
    assert answer.status_code == 303 and answer.headers["location"] == "/phuong/thu-nghiem"
    [mine] = [r for r in queries.ward_reports(ledger, "thu-nghiem") if r.kind == "chi_bo"]
    assert (mine.unit_id, mine.via, mine.web_user, mine.reporter) == (
        "tan-phong", "web", "tp", "Người tp")
    assert (mine.times, mine.participants, mine.day.isoformat()) == (3, 45, "2025-05-02")
    assert tp.get(f"/phuong/anh/{mine.photos[0]}").content == photo
    thumb = tp.get(f"/phuong/anh/{mine.photos[0]}?nho=1")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert f"Đã lưu báo cáo #{mine.id}." in tp.get("/phuong/thu-nghiem").text

    # bad input: a message, nothing saved
    page = tp.get("/phuong/thu-nghiem")
    for data, files, words in (
            ({"kind": "hoi_nghi", "day": "2025-05-02", "times": "ba"}, None, "phải là một số"),
            ({"kind": "hoi_nghi", "day": "2025-06-01", "times": "1"}, None, "tương lai"),
            ({"kind": "xyz", "day": "2025-05-02", "times": "1"}, None, "loại hoạt động"),
            ({"kind": "hoi_nghi", "day": "2025-05-02", "times": "1"},
             [("photos", ("x.jpg", b"not a picture", "image/jpeg"))], "không phải là ảnh")):
        bad = tp.post("/phuong/thu-nghiem", data={"csrf": csrf_of(page.text), **data},
                      files=files)
        assert bad.status_code == 400 and words in bad.text, words
    assert tp.post("/phuong/thu-nghiem", data={"csrf": "sai", "kind": "hoi_nghi",
                                               "day": "2025-05-02", "times": "1"}
                   ).status_code == 403
    assert len(queries.ward_reports(ledger, "thu-nghiem", current_only=False)) == 5

    # correction within 24 h, prefilled; the old entry stays
    fix = tp.get(f"/phuong/thu-nghiem?sua={mine.id}")
    assert 'value="3"' in fix.text and f'name="corrects" value="{mine.id}"' in fix.text
    tp.post("/phuong/thu-nghiem", data={"csrf": csrf_of(fix.text), "kind": "chi_bo",
                                        "day": "2025-05-02", "times": "4", "participants": "45",
                                        "note": "", "corrects": str(mine.id)})
    [fixed] = [r for r in queries.ward_reports(ledger, "thu-nghiem") if r.kind == "chi_bo"]
    assert (fixed.corrects, fixed.times, fixed.photos) == (mine.id, 4, mine.photos)

    # another ward: not these photos, not these reports, cannot correct them
    td = signed_in(ws, ledger, "td")
    assert td.get(f"/phuong/anh/{mine.photos[0]}").status_code == 404
    assert td.get(f"/phuong/anh/{mine.photos[0]}?nho=1").status_code == 404
    page = td.get("/phuong/thu-nghiem")
    assert "Hội nghị quán triệt" not in page.text and "Phường Trung Dũng" in page.text
    assert td.get(f"/phuong/thu-nghiem?sua={fixed.id}").status_code == 404
    stolen = td.post("/phuong/thu-nghiem", data={
        "csrf": csrf_of(page.text), "kind": "chi_bo", "day": "2025-05-02", "times": "9",
        "corrects": str(fixed.id)})
    assert stolen.status_code == 400 and "không thuộc đơn vị của bạn" in stolen.text
    assert [r.id for r in queries.ward_reports(ledger, "thu-nghiem") if r.kind == "chi_bo"] \
        == [fixed.id]


def test_managers_see_the_table_who_is_missing_the_gallery_and_the_exports(
        world: tuple[Workspace, Ledger, dict]) -> None:
    ws, ledger, ids = world
    ql = signed_in(ws, ledger, "quanly")
    page = ql.get("/campaigns/thu-nghiem/ket-qua")
    assert page.status_code == 200
    html = page.text
    assert "còn 4 ngày" in html and "2/3 đơn vị đã báo cáo" in html
    assert re.search(r'<tr class="missing" id="u-trung-dung">', html)
    assert 'id="u-tan-phong"' in html and '<tr class="missing" id="u-tan-phong"' not in html
    assert "Chưa báo cáo (1): Phường Trung Dũng" in html
    view = overview(ws, ledger, "thu-nghiem", today=NOW.date())
    assert view.totals()["bang_ron"] == [15, 0, 1]  # the correction, not the 12
    assert html.count('class="thumb"') == 2 and html.count("<figure>") == 2
    assert ql.get("/phuong").status_code == 200

    rows = list(csv.reader(io.StringIO(ql.get("/campaigns/thu-nghiem/ket-qua.csv")
                                       .content.decode("utf-8-sig"))))
    head = rows[0]
    by_unit = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    tan_phong = next(u for u in view.units if u.unit_id == "tan-phong")
    assert by_unit["Phường Tân Phong"]["Băng rôn, pano treo"] == "15"
    assert by_unit["Phường Tân Phong"]["Buổi loa xác nhận phát"] == str(
        tan_phong.broadcasts_played) == "2"
    assert by_unit["Phường Trung Dũng"]["Tình trạng"] == "Chưa báo cáo"
    assert by_unit["Xã Hiệp Hòa"]["Tờ rơi phát"] == "500"
    book = load_workbook(io.BytesIO(ql.get("/campaigns/thu-nghiem/ket-qua.xlsx").content))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == head
    missing_row = next(r for r in sheet.iter_rows() if r[0].value == "Phường Trung Dũng")
    assert missing_row[0].fill.fgColor.rgb.endswith("FDE2E1")

    # the operator reads too; a ward does not
    assert signed_in(ws, ledger, "vanhanh").get("/campaigns/thu-nghiem/ket-qua").status_code \
        == 200
    assert signed_in(ws, ledger, "tp").get("/campaigns/thu-nghiem/ket-qua.csv").status_code \
        == 403


def test_ward_accounts_need_a_known_unit(world: tuple[Workspace, Ledger, dict]) -> None:
    ws = world[0]
    runner = CliRunner()
    bad = runner.invoke(main, ["user", "add", "x", "--role", "ward", "--unit", "khong-co",
                               "--password-stdin", "-w", str(ws.root)], input="mat-khau-dai\n")
    assert bad.exit_code == 2 and "Không có đơn vị 'khong-co'" in bad.output
    none = runner.invoke(main, ["user", "add", "x", "--role", "ward", "--password-stdin",
                                "-w", str(ws.root)], input="mat-khau-dai\n")
    assert none.exit_code == 2 and "--unit" in none.output
    ok = runner.invoke(main, ["user", "add", "hh", "--role", "ward", "--unit", "hiep-hoa",
                              "--password-stdin", "-w", str(ws.root)], input="mat-khau-dai\n")
    assert ok.exit_code == 0, ok.output
