"""Which character encoding an uploaded CSV file is in.

Belgian Excel saves "CSV (gescheiden door lijstscheidingsteken)" in
Windows-1252, not UTF-8; refusing those files sent coordinators to a
setting they could not find. UTF-8 (with or without BOM) is tried first,
because it is unambiguous; otherwise charset-normalizer chooses among the
few encodings a Belgian spreadsheet writes. Text that still holds control
characters is not a spreadsheet export, whatever it decodes to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Only what Excel and LibreOffice write here: Windows-1252 (Excel's "CSV"),
# ISO 8859-15 (older Linux tools, with the euro sign) and UTF-16 ("Unicode text").
CANDIDATES = ["cp1252", "iso8859_15", "utf_16"]
READABLE_NAMES = {"utf_8": "UTF-8", "cp1252": "Windows-1252", "iso8859_15": "ISO 8859-15", "utf_16": "UTF-16"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a readable name: "UTF-8", "Windows-1252", ...

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "UTF-8"


class UnknownEncoding(ValueError):
    """The bytes are not text in any encoding a spreadsheet writes; `line` is where UTF-8 failed."""

    def __init__(self, line: int) -> None:
        super().__init__(f"not text in a known encoding (UTF-8 fails on line {line})")
        self.line = line


def decode_text(data: bytes) -> Decoded:
    """The file's text and the encoding it was read in; UnknownEncoding when it is not text."""
    try:
        return Decoded(data.decode("utf-8-sig"), "UTF-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    if best is None:
        raise UnknownEncoding(line)
    text = str(best)
    if CONTROL.search(text):
        raise UnknownEncoding(line)
    return Decoded(text.removeprefix("\ufeff"), READABLE_NAMES.get(best.encoding, best.encoding))
