"""The print-grade PDF (WeasyPrint) of a briefing: the print variant of its HTML page."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Briefing
from .render import RenderOptions, render_page, templates_dir


class TemplatesOnlyFetcher(URLFetcher):
    """Lets weasyprint read data: URLs and files inside the templates folder, and nothing else.

    A brief is built from untrusted pages, so the PDF step must never reach the network
    (SSRF) or read arbitrary local files, whatever ends up in the markup.
    """

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("data",))
        self._root = (root or templates_dir()).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self._root) and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        raise ValueError(f"refusing to fetch {url!r}: the PDF may only use its bundled templates")


def render_pdf(briefing: Briefing, options: RenderOptions | None = None) -> bytes:
    page = render_page(briefing, options or RenderOptions(), print_variant=True)
    root = templates_dir()
    document = weasyprint.HTML(string=page, base_url=root.as_uri() + "/", url_fetcher=TemplatesOnlyFetcher(root))
    pdf = document.write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf
