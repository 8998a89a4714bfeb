"""A local NukeViet ``api.php`` that checks requests the way NukeViet 4.5's api.php does.

In order: Remote API on (0011), timestamp within 5 s (0020), known ``apikey`` (0013),
``hashsecret`` is a bcrypt hash of ``apisecret_timestamp`` (0014), language (0017), an action
(0015), the module and action granted to the credential (0005/0004). Answers are HTTP 200 with
``{"status": "success" | "error", "code": "00NN", "message": …}``.

The article action's own fields and success body (``id``, ``link``) are not documented by
NukeViet core; this fake encodes the assumption recorded in docs/DECISIONS.md.
"""

from __future__ import annotations

import time
from typing import Any

import bcrypt

from tests.channels.fakes.base import FakeHTTPServer, Recorded


def nv_result(code: str, message: str, status: str = "error", **extra: Any) -> dict[str, Any]:
    """NukeViet\\Api\\ApiResult::getResult()."""
    return {"status": status, "code": code, "message": message, **extra}


class NukevietAPI(FakeHTTPServer):
    """One portal with one API credential granted ``news``'s article action."""

    def __init__(self, *, apikey: str = "nv-campaign", apisecret: str = "NvSecretXYZ",
                 module: str = "news", actions: tuple[str, ...] = ("CreatArticle",),
                 categories: tuple[int, ...] = (1, 3)) -> None:
        super().__init__()
        self.apikey = apikey
        self.apisecret = apisecret
        self.module = module
        self.actions = set(actions)
        self.categories = set(categories)
        self.remote_on = True
        self.articles: dict[int, dict[str, str]] = {}
        self._seq = 40

    @property
    def url(self) -> str:
        return f"{self.origin}/api.php"

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if rec.path != "/api.php" or rec.method != "POST":
            return 404, {}, {"status": "error", "code": "0000", "message": "Not Found"}
        form = rec.form
        if not self.remote_on:
            return 200, {}, nv_result("0011", "Remote is off!!!")
        try:
            stamp = int(form.get("timestamp") or 0)
        except ValueError:
            stamp = 0
        if abs(stamp - time.time()) > 5:
            return 200, {}, nv_result("0020", "Incorrect API time")
        if form.get("apikey") != self.apikey:
            return 200, {}, nv_result("0013", "No Api Credential found !!!")
        hashed = (form.get("hashsecret") or "").encode()
        if hashed.startswith(b"$2y$"):
            hashed = b"$2b$" + hashed[4:]
        try:
            good = bcrypt.checkpw(f"{self.apisecret}_{stamp}".encode(), hashed)
        except ValueError:
            good = False
        if not good:
            return 200, {}, nv_result("0014", "Api Authentication fail !!! ")
        if form.get("language") not in (None, "", "vi"):
            return 200, {}, nv_result("0017", "Wrong Lang Data!!!")
        action = form.get("action") or ""
        if not action:
            return 200, {}, nv_result("0015", "Missing Api Command!!!")
        if form.get("module") != self.module:
            return 200, {}, nv_result("0005", "Api Module Not Found!!!")
        if action not in self.actions:
            return 200, {}, nv_result("0004", "Api Command Not Found!!!")
        return self._create(form)

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if not form.get("title"):
            return 200, {}, nv_result("0000", "Bạn chưa nhập tiêu đề bài viết")
        if not form.get("bodyhtml"):
            return 200, {}, nv_result("0000", "Bạn chưa nhập nội dung bài viết")
        catid = int(form.get("catid") or 0)
        if catid and catid not in self.categories:
            return 200, {}, nv_result("0000", "Chuyên mục không tồn tại")
        self._seq += 1
        self.articles[self._seq] = dict(form)
        return 200, {}, nv_result("0000", "", status="success", id=self._seq,
                                  link=f"{self.origin}/news/tin-tuc/bai-{self._seq}.html")
