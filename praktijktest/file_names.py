"""Names of downloaded files, in the reader's language ("testronde-3.csv", not "round-3.csv").

The names go through the catalogues like any visible text; they are reduced
to ASCII letters, digits and dashes so that every browser and every
Content-Disposition header keeps them as they are.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _


def _safe(stem: str, extension: str) -> str:
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-").lower() or "download"
    return f"{ascii_stem}.{extension}"


def round_export_name(round_id: int, extension: str, with_identities: bool) -> str:
    if with_identities:
        return _safe(_("round-%(id)s-with-identities", id=round_id), extension)
    return _safe(_("round-%(id)s", id=round_id), extension)


def schedule_name(round_id: int) -> str:
    return _safe(_("schedule-round-%(id)s", id=round_id), "csv")


def preregistration_name(round_id: int) -> str:
    return _safe(_("preregistration-round-%(id)s", id=round_id), "pdf")


def example_name(kind: str, extension: str) -> str:
    """An example import file: kind is "targets" or "responses"."""
    stems = {"targets": _("example-targets"), "responses": _("example-round-import")}
    return _safe(stems[kind], extension)
