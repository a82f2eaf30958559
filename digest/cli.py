"""The `digest` command: a thin layer over the library. Library errors become messages here."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from . import __version__
from . import pipeline, progress, stages
from .config import Config, ConfigError, load_config
from .deliver import DeliveryError, brief_folder, deliver
from .ingest import Source, ingest
from .lock import LockBusy, run_lock
from .pipeline import NothingToSummarize, StoryRequest, build_story_briefing, slugify
from .schedule import DEFAULT_GRACE, DEFAULT_WAIT, run_schedule
from .serve import make_server
from .store import StoreError
from .render import FORMATS, RenderOptions, parse_formats, write_briefing
from .stages import StageClock
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


def _formats_or_none(ctx, param, value: str | None) -> tuple[str, ...] | None:
    return None if value is None else _formats(ctx, param, value)


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


_QUIET = click.option("-q", "--quiet", is_flag=True,
                      help="No progress display on a terminal (it is never shown when stderr is not one).")


def _progress(quiet: bool) -> contextlib.AbstractContextManager:
    """Live progress on stderr for a person at a terminal; none in cron, pipes, or with --quiet."""
    if quiet or not sys.stderr.isatty():
        return contextlib.nullcontext()
    return progress.Display()


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: out/story-<slug>/].")
@click.option("--title", help="Title of the brief and headline of the story [default: chosen from the articles' titles].")
@click.option("--format", "formats", default=",".join(FORMATS), callback=_formats, show_default=True,
              help="Comma-separated output formats.")
@click.option("--sentences", type=click.IntRange(min=1), default=5, show_default=True, help="Most sentences in the summary.")
@click.option("--max-words", type=click.IntRange(min=10), default=120, show_default=True, help="About this many words in the summary (whole sentences: the one that reaches it may run up to a third past it).")
@click.option("--algorithm", type=click.Choice(sorted(ALGORITHMS)), default="lexrank", show_default=True,
              help="sumy summarizer that rates the sentences.")
@click.option("--timezone", "zone", default="UTC", callback=_zone, show_default=True,
              help="Zone of dates written without one, and of displayed times.")
@click.option("--base-url", help="Where the output folder will be published (links in feed.xml).")
@_QUIET
def story(inputs, out, title, formats, sentences, max_words, algorithm, zone, base_url, quiet) -> None:
    """Treat all INPUTs as ONE story and write its brief.

    INPUT is a .txt, .html, .xml/.rss/.atom or .jsonl file, a folder of them, or an
    http(s) URL; NAME=INPUT names the outlet of that input.
    """
    started = time.monotonic()
    request = StoryRequest(inputs, title, SummaryOptions(algorithm, sentences, max_words), zone)
    with _progress(quiet):
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
    click.echo(f"{len(story_.articles)} articles{_headline_count(story_.articles)}, {len(story_.outlets)} outlets: "
               f"{', '.join(story_.outlets)}")
    _echo_dropped(briefing.sources)
    for path in written.values():
        click.echo(f"  {path}")
    click.echo(f"Brief written to {out}/ in {time.monotonic() - started:.1f} s")


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("feeds.yaml"),
              show_default=True, help="The feeds.yaml to run.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: the config's out].")
@click.option("--format", "formats", callback=_formats_or_none, help="Comma-separated formats [default: the config's].")
@click.option("--strict", is_flag=True, help="Fail (exit 1) when any source fails.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="How long to wait for a run already in progress (same database) before giving up (exit 1).")
@click.option("--timings", is_flag=True, help="Print the wall time, CPU time and peak memory of each stage.")
@_QUIET
def run(config_path: Path, out: Path | None, formats: tuple[str, ...] | None, strict: bool, wait: float,
        timings: bool, quiet: bool) -> None:
    """One full run: fetch every source, store, cluster into stories, summarize, render, deliver."""
    started = time.monotonic()
    config = _load(config_path)
    _show_info("digest.deliver")
    clock = StageClock() if timings else contextlib.nullcontext()
    try:
        with _progress(quiet), clock:
            result = pipeline.run(config, out=out, formats=formats, strict=strict, wait=wait)
    except LockBusy as exc:
        click.echo(f"digest: error: {exc}; not started (--wait SECONDS waits for it)", err=True)
        sys.exit(1)
    except (NothingToSummarize, pipeline.SourcesFailed) as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(1)
    except StoreError as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(2)
    briefing = result.briefing
    failed = [s for s in briefing.sources if s.status == "failed"]
    click.echo(f"{len(briefing.stories)} stories from {len(briefing.sources) - len(failed)} of "
               f"{len(briefing.sources)} sources ({result.new_articles} new articles)")
    _echo_dropped(briefing.sources)
    for path in result.written.values():
        click.echo(f"  {path}")
    click.echo(f"Brief written to {result.folder}/ in {time.monotonic() - started:.1f} s")
    if timings:
        click.echo(stages.table(clock.costs), err=True)


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("feeds.yaml"),
              show_default=True, help="The feeds.yaml to check.")
def check(config_path: Path) -> None:
    """Validate the config and probe each source; prints a table and changes nothing.

    Exit status: 0 every source works, 1 some source failed, 2 the config is invalid.
    """
    config = _load(config_path)
    sources = [Source(f.name, f.url, f.language) for f in config.feeds]
    results = ingest(sources, {}, config.zone, config.fetch.limits(), config.fetch.concurrency, full_text=False)
    width = max(len(s.name) for s in sources)
    click.echo(f"{config_path}: valid; {len(sources)} sources")
    for source, result in zip(sources, results):
        report = result.report
        detail = report.error or f"{report.articles} articles"
        click.echo(f"  {source.name:<{width}}  {report.status:<12}  {detail}")
    if any(r.report.status == "failed" for r in results):
        sys.exit(1)


_CONFIG = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                       default=Path("feeds.yaml"), show_default=True, help="The feeds.yaml to use.")


@cli.command("schedule")
@_CONFIG
@click.option("--run-now", is_flag=True, help="Run once immediately, then follow the schedule.")
@click.option("--wait", type=click.FloatRange(min=0), default=DEFAULT_WAIT, show_default=True, metavar="SECONDS",
              help="How long a due run waits for a run already in progress before it is skipped.")
@click.option("--misfire-grace", type=click.IntRange(min=1), default=DEFAULT_GRACE, show_default=True,
              metavar="SECONDS", help="How late a run missed while stopped may still run (once) at start.")
def schedule_command(config_path: Path, run_now: bool, wait: float, misfire_grace: int) -> None:
    """Run `digest run` on the config's cron `schedule` (in its `timezone`) until SIGINT/SIGTERM.

    The first signal stops after the run in progress; a second one aborts it. Exit status:
    0 stopped cleanly, 1 another scheduler runs for this database, 2 configuration error.
    """
    config = _load(config_path)
    _show_info("digest.schedule", "digest.deliver")
    logging.getLogger("apscheduler").handlers[:] = [_EchoHandler(logging.WARNING)]  # missed runs
    try:
        run_schedule(config, run_now=run_now, wait=wait, grace=misfire_grace)
    except LockBusy as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(1)
    except StoreError as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(2)


@cli.command("deliver")
@_CONFIG
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Date of the brief to send [default: the latest].")
@click.option("--wait", type=click.FloatRange(min=0), default=300, show_default=True, metavar="SECONDS",
              help="How long to wait for a run in progress (it may be rewriting the brief).")
def deliver_command(config_path: Path, date, wait: float) -> None:
    """(Re)send a brief by the configured delivery (delivery.email).

    Exit status: 0 sent, 1 not sent or some recipients refused, 2 configuration error.
    """
    config = _load(config_path)
    if not (config.delivery and config.delivery.email):
        click.echo(f"digest: error: {config_path}: delivery.email is not configured", err=True)
        sys.exit(2)
    try:
        with run_lock(config, wait):
            outcome = deliver(config, brief_folder(config, date.strftime("%Y-%m-%d") if date else None))
    except (LockBusy, DeliveryError) as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(1)
    except StoreError as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(2)
    if outcome.status != "sent":
        click.echo(f"digest: error: the {outcome.date} brief was not emailed ({outcome.status}): {outcome.error}",
                   err=True)
        sys.exit(1)
    click.echo(f"Sent the {outcome.date} brief to {', '.join(outcome.recipients)}")


@cli.command("serve")
@_CONFIG
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 exposes it to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port.")
def serve_command(config_path: Path, host: str, port: int) -> None:
    """Serve the output folder (HTML, PDF, RSS) read-only over HTTP until SIGINT/SIGTERM."""
    config = _load(config_path)
    _show_info("digest.serve")
    try:
        server = make_server(config.out, host, port)
    except OSError as exc:
        click.echo(f"digest: error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    click.echo(f"Serving {config.out} at http://{host}:{server.server_address[1]}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops `serve` the way Ctrl-C does


def _show_info(*names: str) -> None:
    """Long-running commands report each outcome (run, delivery, request) even without -v."""
    for name in names:
        logger = logging.getLogger(name)
        logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))


def _headline_count(articles) -> str:
    headlines = sum(a.headline_only for a in articles)
    return f" ({headlines} headline only)" if headlines else ""


# The run summary names at most this many sources that dropped entries (the most first);
# briefing.json "sources" has them all.
DROPPED_SOURCES_SHOWN = 10


def _echo_dropped(sources) -> None:
    """Every entry not kept, by reason, and the sources that dropped the most: nothing is
    lost silently."""
    dropping = sorted((s for s in sources if s.dropped), key=lambda s: -sum(s.dropped.values()))
    if not dropping:
        return
    reasons = Counter()
    for source in dropping:
        reasons.update(source.dropped)
    dropped = sum(reasons.values())
    by_reason = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    click.echo(f"Dropped {dropped} {'entry' if dropped == 1 else 'entries'} ({by_reason}):")
    shown = dropping[:DROPPED_SOURCES_SHOWN]
    width = max(len(s.name) for s in shown)
    for source in shown:
        click.echo(f"  {source.name:<{width}}  " + ", ".join(f"{n} {r}" for r, n in source.dropped.items()))
    if more := len(dropping) - len(shown):
        click.echo(f"  and {more} more sources (briefing.json \"sources\" lists every one)")


def _load(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(f"digest: error: {exc}", err=True)
        sys.exit(2)



def main() -> None:
    cli(prog_name="digest")
