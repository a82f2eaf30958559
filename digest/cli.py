"""The `digest` command: a thin layer over the library. Library errors become messages here."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from . import __version__
from .pipeline import NothingToSummarize, StoryRequest, build_story_briefing, slugify
from .render import FORMATS, RenderOptions, parse_formats, write_briefing
from .summarize import ALGORITHMS, SummaryOptions


class _EchoHandler(logging.Handler):
    """Log lines as one-line messages on the current stderr (whatever click has made it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"digest: {record.levelname.lower()}: {record.getMessage()}", err=True)


def _formats(ctx, param, value: str) -> tuple[str, ...]:
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _zone(ctx, param, value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown timezone {value!r} (use an IANA name such as Asia/Jakarta)") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digest")
@click.option("-v", "--verbose", is_flag=True, help="Also log progress, not only warnings.")
def cli(verbose: bool) -> None:
    """digest: news digests from feeds, pages and files, summarized with credits."""
    logger = logging.getLogger("digest")
    logger.handlers[:] = [_EchoHandler()]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: out/story-<slug>/].")
@click.option("--title", help="Title of the brief and headline of the story [default: chosen from the articles' titles].")
@click.option("--format", "formats", default=",".join(FORMATS), callback=_formats, show_default=True,
              help="Comma-separated output formats.")
@click.option("--sentences", type=click.IntRange(min=1), default=5, show_default=True, help="Most sentences in the summary.")
@click.option("--max-words", type=click.IntRange(min=10), default=120, show_default=True, help="Most words in the summary.")
@click.option("--algorithm", type=click.Choice(sorted(ALGORITHMS)), default="lexrank", show_default=True,
              help="sumy summarizer that rates the sentences.")
@click.option("--timezone", "zone", default="UTC", callback=_zone, show_default=True,
              help="Zone of dates written without one, and of displayed times.")
@click.option("--base-url", help="Where the output folder will be published (links in feed.xml).")
def story(inputs, out, title, formats, sentences, max_words, algorithm, zone, base_url) -> None:
    """Treat all INPUTs as ONE story and write its brief.

    INPUT is a .txt, .html, .xml/.rss/.atom or .jsonl file, a folder of them, or an
    http(s) URL; NAME=INPUT names the outlet of that input.
    """
    started = time.monotonic()
    request = StoryRequest(inputs, title, SummaryOptions(algorithm, sentences, max_words), zone)
    try:
        briefing = build_story_briefing(request)
    except NothingToSummarize as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(1)
    story_ = briefing.stories[0]
    out = out or Path("out") / f"story-{slugify(story_.headline)}"
    options = RenderOptions(base_url=base_url, timezone=zone.key)
    written = write_briefing(briefing, out, formats, options)
    click.echo(f"{story_.headline}")
    click.echo(f"{len(story_.articles)} articles, {len(story_.outlets)} outlets: {', '.join(story_.outlets)}")
    for path in written.values():
        click.echo(f"  {path}")
    click.echo(f"Brief written to {out}/ in {time.monotonic() - started:.1f} s")


def main() -> None:
    cli(prog_name="digest")
