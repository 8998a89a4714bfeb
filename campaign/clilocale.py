"""Vietnamese for click's own words ("Usage:", "Options", "Error: Missing option …").

click looks its messages up through gettext. The translations live in a GNU message catalogue
source, ``campaign/locale/vi/LC_MESSAGES/messages.po`` (shipped as package data, edited with
any PO editor); Babel compiles it once per process to the binary ``.mo`` form that
:class:`gettext.GNUTranslations` reads, and click's modules get that catalogue. Compiling at
first use instead of committing a ``.mo`` means the binary can never lag behind its source.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources
from types import ModuleType

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["DOMAIN", "PLURAL", "SINGULAR", "catalogue", "install", "source"]

DOMAIN = "messages"
LOCALE = "vi"


@cache
def source() -> Catalog:
    """The Vietnamese catalogue as written in the package's .po file."""
    path = resources.files("campaign").joinpath("locale", LOCALE, "LC_MESSAGES", f"{DOMAIN}.po")
    with path.open("rb") as handle:
        return read_po(handle, locale=LOCALE, domain=DOMAIN)


@cache
def catalogue() -> bytes:
    """The catalogue compiled by Babel to a GNU .mo file (fuzzy entries left out)."""
    out = io.BytesIO()
    write_mo(out, source(), use_fuzzy=False)
    return out.getvalue()


def _tables() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    singular: dict[str, str] = {}
    plural: dict[tuple[str, str], str] = {}
    for message in source():
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            singular[message.id] = str(message.string)
        else:
            one, many = message.id[0], message.id[1]
            forms = message.string
            plural[(one, many)] = str(forms[0] if isinstance(forms, tuple | list) else forms)
    return singular, plural


SINGULAR, PLURAL = _tables()
"""click's message → Vietnamese, as in the .po file (singular and plural entries)."""


def install() -> None:
    """Give click's modules the Vietnamese catalogue.

    click binds ``_``/``ngettext`` from :mod:`gettext` at import and offers no other hook; the
    default gettext lookup depends on process-wide environment variables, which would also
    change the language of every program we start. So the catalogue is loaded in memory and
    handed to click's modules only.
    """
    translations = gettext.GNUTranslations(io.BytesIO(catalogue()))
    lookups = {"_": translations.gettext, "ngettext": translations.ngettext}
    for module in _click_modules():
        for name, lookup in lookups.items():
            if hasattr(module, name):
                setattr(module, name, lookup)


def _click_modules() -> list[ModuleType]:
    import click

    names = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
             "utils", "shell_completion")
    return [m for m in (getattr(click, n, None) for n in names) if isinstance(m, ModuleType)]
