"""The print-grade PDF (WeasyPrint) of a briefing: the print variant of its HTML page."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import progress
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
    with _showing_progress():
        page = render_page(briefing, options or RenderOptions(), print_variant=True)
        root = templates_dir()
        document = weasyprint.HTML(string=page, base_url=root.as_uri() + "/", url_fetcher=TemplatesOnlyFetcher(root))
        pdf = document.write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf


# What WeasyPrint is doing, from the steps its progress logger announces.
_STEPS = {"1": "reading the page", "2": "reading the styles", "3": "applying the styles", "4": "building boxes",
          "5": "laying out", "6": "drawing the PDF", "7": "writing the PDF"}


class _Progress(logging.Handler):
    """Reports WeasyPrint's progress (its documented `weasyprint.progress` logger, which
    announces each step and each page laid out) as digest's "pdf" step."""

    def emit(self, record: logging.LogRecord) -> None:
        step = str(record.msg).removeprefix("Step ")[:1]
        if step == "5" and "Repagination" in str(record.msg):
            progress.update("pdf", completed=0, note="laying out again (page numbers changed)")
        elif step == "5" and record.args:
            progress.update("pdf", completed=record.args[0], note=_STEPS[step])
        elif step in _STEPS:
            progress.update("pdf", note=_STEPS[step])


@contextlib.contextmanager
def _showing_progress() -> Iterator[None]:
    if not progress.active():
        yield
        return
    logger, handler = logging.getLogger("weasyprint.progress"), _Progress()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        with progress.step("pdf"):
            yield
            progress.update("pdf", note="")  # done: no step of WeasyPrint's to show
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
