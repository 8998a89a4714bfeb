"""Every word the CLI prints is Vietnamese, click's own included."""

from __future__ import annotations

import gettext
import io

from click.testing import CliRunner

from campaign.cli import main
from campaign.clilocale import PLURAL, SINGULAR, catalogue


def test_catalogue_is_a_valid_message_file():
    translations = gettext.GNUTranslations(io.BytesIO(catalogue()))
    for source, target in SINGULAR.items():
        assert translations.gettext(source) == target
    for (one, many), target in PLURAL.items():
        assert translations.ngettext(one, many, 1) == target
        assert translations.ngettext(one, many, 5) == target


def test_usage_errors_and_help_are_vietnamese():
    runner = CliRunner()
    missing = runner.invoke(main, ["approve", "nq57"])
    assert missing.exit_code == 2
    assert "Lỗi: Thiếu tuỳ chọn '--by'." in missing.output
    assert "Usage" not in missing.output and "Error" not in missing.output
    unknown = runner.invoke(main, ["khong-co"])
    assert "Không có lệnh 'khong-co'." in unknown.output
    bad = runner.invoke(main, ["log", "--channel", "fax"])
    assert "không nằm trong các lựa chọn" in bad.output
    helptext = runner.invoke(main, ["--help"]).output
    assert "Cách dùng:" in helptext and "Tuỳ chọn:" in helptext and "Lệnh:" in helptext
    assert "Show this message" not in helptext
