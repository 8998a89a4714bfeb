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


def test_po_file_is_complete_and_names_click_messages():
    """Every entry is translated, none fuzzy, and every msgid is a string click really uses
    (a typo in a msgid would silently leave that message in English)."""
    from pathlib import Path

    import click

    from campaign.clilocale import source

    catalog = source()
    click_source = "".join(p.read_text(encoding="utf-8")
                           for p in Path(click.__file__).parent.glob("*.py"))
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id}"
        for msgid in ids:
            assert msgid in click_source, f"click does not say {msgid!r}"
    assert len(SINGULAR) + len(PLURAL) == len([m for m in catalog if m.id])
