"""Email delivery of a written brief: one message, HTML body, plain-text part, the PDF attached.

The message is built from the files of the dated folder (OUT/<date>/briefing.{html,pdf,json}),
so a run and `digest deliver --date D` send the same thing. Failures never raise: each
attempt is recorded in the `deliveries` table, transient ones (refused connection, timeout,
4xx replies) are retried with exponential backoff, permanent ones (5xx: bad credentials,
refused recipients; TLS verification) are not, since repeating them cannot help.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from .config import Config, Email
from .pipeline import slugify
from .store import Store

log = logging.getLogger(__name__)
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"


class DeliveryError(Exception):
    """Nothing could be attempted: no delivery configured, or no brief to send."""


class _NoPassword(Exception):
    """A username is configured but its password is not in the environment."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # in all, the first included
    backoff: float = 5.0  # seconds before the second attempt, doubled before each further one
    timeout: float = 30.0  # seconds per connection and per SMTP command


@dataclass(frozen=True)
class Delivery:
    date: str
    status: str  # sent | partial | failed
    attempts: int
    recipients: tuple[str, ...]
    error: str | None = None


def brief_folder(config: Config, date: str | None = None) -> Path:
    """OUT/<date>, or the newest dated brief in OUT; DeliveryError when there is none."""
    if date is not None:
        folder = config.out / date
        if not _has_brief(folder):
            raise DeliveryError(f"no brief for {date} in {config.out}")
        return folder
    for folder in sorted(config.out.glob(_DATE_GLOB), reverse=True):
        if _has_brief(folder):
            return folder
    raise DeliveryError(f"no brief in {config.out} yet")


def deliver(config: Config, folder: Path, *, store: Store | None = None, policy: RetryPolicy | None = None,
            sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Email the brief in `folder` as the config says; every attempt is recorded in the store."""
    policy = policy or RetryPolicy()
    email = config.delivery.email if config.delivery else None
    if email is None:
        raise DeliveryError(f"{config.config_path}: delivery.email is not configured")
    if not _has_brief(folder):
        raise DeliveryError(f"no brief in {folder}")
    message = build_message(config, email, folder)
    if store is not None:
        return _send_with_retries(email, message, folder.name, store, policy, sleep)
    with Store(config.database) as own:
        return _send_with_retries(email, message, folder.name, own, policy, sleep)


def deliver_after_run(config: Config, folder: Path, store: Store, policy: RetryPolicy | None = None) -> Delivery | None:
    """A run's delivery: None when none is configured; problems are logged, never raised."""
    if not (config.delivery and config.delivery.email):
        return None
    try:
        return deliver(config, folder, store=store, policy=policy)
    except DeliveryError as exc:
        log.warning("brief not emailed: %s", exc)
        return None


def build_message(config: Config, email: Email, folder: Path) -> EmailMessage:
    """multipart/mixed: [multipart/alternative: text/plain, text/html], application/pdf."""
    data = _read_json(folder / "briefing.json")
    title, date = data.get("title") or config.title, folder.name
    pdf, html = folder / "briefing.pdf", folder / "briefing.html"
    message = EmailMessage()
    message["Subject"] = f"{title} — {date}"
    message["From"] = email.from_addr
    message["To"] = ", ".join(email.to)
    message["Date"] = format_datetime(datetime.now(config.zone))
    message["Message-ID"] = make_msgid("digest", domain=parseaddr(email.from_addr)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: autoresponders must not answer
    message.set_content(plain_text(title, date, data, pdf.exists()))
    if html.exists():
        message.add_alternative(html.read_text("utf-8"), subtype="html")
    if pdf.exists():
        message.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf",
                               filename=f"{slugify(title)}-{date}.pdf")
    else:
        log.warning("%s has no briefing.pdf: the email goes without it", folder)
    return message


def plain_text(title: str, date: str, data: dict, attached: bool) -> str:
    """The brief as text for mail readers that show no HTML: headlines and credited sentences."""
    lines = [f"{title} — {date}", ""]
    for number, story in enumerate(data.get("stories", []), 1):
        lines.append(f"{number}. {story.get('headline', '')}")
        for text, outlets in story_lines(story):
            lines.append(textwrap.fill(f"{text} ({', '.join(outlets)})", 76,
                                       initial_indent="   ", subsequent_indent="   "))
        lines.append("")
    if attached:
        lines.append("The brief is attached as a PDF.")
    return "\n".join(lines) + "\n"


def story_lines(story: dict) -> list[tuple[str, list[str]]]:
    """(text, outlets) of a story of briefing.json: its summary, else (headlines only) its headlines."""
    if story.get("summary"):
        return [(s.get("text", ""), s.get("outlets", [])) for s in story["summary"]]
    headlines: dict[str, list[str]] = {}
    for article in story.get("articles", []):
        outlets = headlines.setdefault(article.get("title", ""), [])
        if article.get("outlet") not in outlets:
            outlets.append(article.get("outlet", ""))
    return list(headlines.items())


def _send_with_retries(email: Email, message: EmailMessage, date: str, store: Store, policy: RetryPolicy,
                       sleep: Callable[[float], None]) -> Delivery:
    recipients, message_id = tuple(email.to), message["Message-ID"]
    attempt = 1
    while True:
        try:
            refused = _send(email, message, policy.timeout)
        except (smtplib.SMTPException, OSError, _NoPassword) as exc:
            error = _describe(exc, email)
            store.record_delivery(date, "email", recipients, attempt, "failed", error, message_id)
            if attempt >= policy.attempts or _permanent(exc):
                log.warning("email of the %s brief failed (attempt %d of %d): %s", date, attempt, policy.attempts, error)
                return Delivery(date, "failed", attempt, recipients, error)
            delay = policy.backoff * 2 ** (attempt - 1)
            log.warning("email of the %s brief failed (attempt %d of %d): %s; retrying in %g s",
                        date, attempt, policy.attempts, error, delay)
            sleep(delay)
            attempt += 1
            continue
        status, error = ("partial", _refusals(refused)) if refused else ("sent", None)
        store.record_delivery(date, "email", recipients, attempt, status, error, message_id)
        if refused:
            log.warning("the %s brief was emailed, but some recipients were refused: %s", date, error)
        else:
            log.info("the %s brief was emailed to %s", date, ", ".join(recipients))
        return Delivery(date, status, attempt, recipients, error)


def _send(email: Email, message: EmailMessage, timeout: float) -> dict:
    """One SMTP session; returns the recipients the server refused (when it accepted others)."""
    password = email.password()
    if email.username and password is None:
        where = f"the environment variable {email.password_env} is not set" if email.password_env \
            else "delivery.email.password_env is not configured"
        raise _NoPassword(f"no password for {email.username}: {where}")
    context = ssl.create_default_context()  # system CAs, or SSL_CERT_FILE / SSL_CERT_DIR
    if email.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(email.host, email.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(email.host, email.port, timeout=timeout)
    with client:
        if email.security == "starttls":
            client.starttls(context=context)
        if email.username:
            client.login(email.username, password)
        return client.send_message(message)


def _permanent(exc: BaseException) -> bool:
    """Failures that a retry cannot fix: 5xx replies, missing STARTTLS/AUTH, a certificate refused."""
    if isinstance(exc, (_NoPassword, smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError)):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _describe(exc: BaseException, email: Email) -> str:
    where = f"{email.host}:{email.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"recipients refused: {_refusals(exc.recipients)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"authentication failed at {where}: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(exc, TimeoutError):
        return f"timed out talking to {where}"
    return f"{where}: {exc or type(exc).__name__}"


def _refusals(refused: dict) -> str:
    return "; ".join(f"{address} ({code} {_text(reply)})" for address, (code, reply) in refused.items())


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _has_brief(folder: Path) -> bool:
    return (folder / "briefing.pdf").is_file() or (folder / "briefing.html").is_file()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
