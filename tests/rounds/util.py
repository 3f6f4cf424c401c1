"""Small helpers for the rounds tests."""
from __future__ import annotations

import io

from pypdf import PdfReader


def fresh(db, model, object_id):
    """The object as the requests left it (each request uses a session of its own)."""
    db.session.expire_all()
    return db.session.get(model, object_id)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
