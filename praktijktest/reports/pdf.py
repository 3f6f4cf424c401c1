"""The one place that owns WeasyPrint: HTML in, PDF bytes out.

Report generators build a plain context, render a template from
templates/reports/ and hand the HTML to `render_pdf`. The URL fetcher serves
only the app's own static files (stylesheets, fonts, images) and `data:`
URLs; `file://`, external URLs and anything else are refused, so a report can
never read the server's disk or call out to the network.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

# A base URL no request can ever reach: relative links in report templates
# ("/static/print.css") resolve under it, and the fetcher maps it to the
# static folder.
BASE_URL = "https://praktijktest.invalid/"
STATIC_PREFIX = BASE_URL + "static/"


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's static folder and data: URLs; refuses everything else."""

    def __init__(self, static_folder: str | Path):
        super().__init__(allowed_protocols=("https", "data"))
        self._static = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(STATIC_PREFIX):
            raise URLFetchingError(f"Reports may only use the app's static files, not {url}")
        path = (self._static / url.removeprefix(STATIC_PREFIX).split("?")[0]).resolve()
        if not path.is_relative_to(self._static) or not path.is_file():
            raise URLFetchingError(f"No such static file: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def render_pdf(html: str, **options) -> bytes:
    """Render report HTML to PDF bytes; only the app's static files can be fetched.

    `options` go to WeasyPrint's `write_pdf`, e.g. `pdf_variant="pdf/ua-1"` for a tagged PDF.
    """
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(**options)
