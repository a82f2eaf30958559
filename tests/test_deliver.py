"""Email delivery against real SMTP servers on 127.0.0.1 (aiosmtpd): plain, STARTTLS, implicit TLS,
authentication, refused connections and recipients, retries, the deliveries table, `digest deliver`."""

from __future__ import annotations

import email
import email.policy
import io
import json
import shutil
import socket
import sqlite3
import ssl
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import trustme
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from pypdf import PdfReader

from digest import deliver as deliver_module
from digest.cli import cli
from digest.config import load_config
from digest.deliver import RetryPolicy, deliver

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
FAST = RetryPolicy(attempts=3, backoff=0.01, timeout=5)
USER, PASSWORD = "brief", "s3cret"


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses the listed recipients."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.messages: list[tuple[list[str], email.message.EmailMessage, object]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message, session))
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (USER.encode(),
                                                                                            PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """Factory: start an SMTP server on 127.0.0.1; returns (inbox, port)."""
    controllers = []

    def start(inbox: Inbox | None = None, port: int | None = None, **options) -> tuple[Inbox, int]:
        inbox, port = inbox or Inbox(), port or free_port()
        controllers.append(Controller(inbox, hostname="127.0.0.1", port=port, **options))
        controllers[-1].start()
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A throwaway CA and a server certificate for 127.0.0.1; the CA file for SSL_CERT_FILE."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server, ca_file


def write_config(root: Path, **email_settings) -> Path:
    """A copy of the demo config in `root`, with delivery.email set (or no delivery when empty)."""
    config = root / "examples" / "demo" / "feeds.yaml"
    data = yaml.safe_load(config.read_text("utf-8"))
    data.pop("delivery", None)
    if email_settings:
        data["delivery"] = {"email": {"host": "127.0.0.1", "security": "none", "from": "Brief <brief@example.org>",
                                      "to": ["reader@example.org"], **email_settings}}
    config.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return config


def deliveries(root: Path) -> list[tuple]:
    with sqlite3.connect(root / "var" / "demo.db") as db:
        return db.execute("SELECT brief_date, attempt, status, error FROM deliveries ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    """The whole demo run once (PDF included) through `digest run`, emailed to a local server."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(DEMO, root / "examples" / "demo")
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = write_config(root, port=port)
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    controller.stop()
    date = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d")
    return root, config, result, inbox, root / "out" / "demo" / date


def parts(message) -> dict[str, object]:
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


def test_a_run_emails_the_brief_with_that_days_pdf_attached(brief):
    root, _, result, inbox, folder = brief
    assert result.exit_code == 0, result.output
    ((recipients, message, _),) = inbox.messages
    date = folder.name
    assert recipients == ["reader@example.org"]
    assert message["Subject"] == f"Demo Brief — {date}"
    assert message["From"] == "Brief <brief@example.org>" and message["To"] == "reader@example.org"
    assert message["Message-ID"].endswith("@example.org>") and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.get_payload()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.get_payload()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == f"demo-brief-{date}.pdf"
    pdf = attachment.get_content()
    assert pdf == (folder / "briefing.pdf").read_bytes()
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    html = parts(message)["text/html"].get_content().replace("\r\n", "\n")  # SMTP sends CRLF lines
    assert html.rstrip("\n") == (folder / "briefing.html").read_text("utf-8").rstrip("\n")
    assert deliveries(root) == [(date, 1, "sent", None)]


def test_the_plain_text_part_lists_headlines_and_credited_sentences(brief):
    _, _, _, inbox, folder = brief
    text = parts(inbox.messages[0][1])["text/plain"].get_content().replace("\r\n", "\n")
    stories = json.loads((folder / "briefing.json").read_text("utf-8"))["stories"]
    assert text.startswith(f"Demo Brief — {folder.name}\n")
    for number, story in enumerate(stories, 1):
        assert f"{number}. {story['headline']}" in text
    assert "attached as a PDF" in text


def test_starttls_with_a_password_from_the_environment(brief, smtp, certificate, tmp_path, monkeypatch):
    root, config, _, _, folder = brief
    server_tls, ca_file = certificate
    inbox, port = smtp(tls_context=server_tls, require_starttls=True, authenticator=_authenticate,
                       auth_required=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.setenv("DIGEST_TEST_SMTP_PASSWORD", PASSWORD)
    config = write_config(root, port=port, security="starttls", username=USER,
                          password_env="DIGEST_TEST_SMTP_PASSWORD")
    outcome = deliver(load_config(config), folder, policy=FAST)
    assert (outcome.status, outcome.attempts) == ("sent", 1)
    ((_, message, session),) = inbox.messages
    assert session.authenticated and session.ssl is not None
    assert parts(message)["application/pdf"].get_content() == (folder / "briefing.pdf").read_bytes()


def test_implicit_tls(brief, smtp, certificate, monkeypatch):
    root, _, _, _, folder = brief
    server_tls, ca_file = certificate
    inbox, port = smtp(ssl_context=server_tls)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    outcome = deliver(load_config(write_config(root, port=port, security="ssl")), folder, policy=FAST)
    assert outcome.status == "sent" and len(inbox.messages) == 1


def test_an_untrusted_certificate_is_a_permanent_failure(brief, smtp, certificate):
    root, _, _, _, folder = brief
    server_tls, _ = certificate  # the client does not trust this CA
    inbox, port = smtp(ssl_context=server_tls)
    outcome = deliver(load_config(write_config(root, port=port, security="ssl")), folder, policy=FAST)
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert "certificate" in outcome.error.lower() and not inbox.messages


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_authentication_failure_is_reported_recorded_and_not_retried(brief, smtp, monkeypatch):
    root, _, _, _, folder = brief
    inbox, port = smtp(authenticator=_authenticate, auth_required=True, auth_require_tls=False)
    monkeypatch.setenv("DIGEST_TEST_SMTP_PASSWORD", "wrong")
    config = write_config(root, port=port, username=USER, password_env="DIGEST_TEST_SMTP_PASSWORD")
    before = len(deliveries(root))
    outcome = deliver(load_config(config), folder, policy=FAST)
    assert (outcome.status, outcome.attempts) == ("failed", 1)  # 535: a retry cannot fix bad credentials
    assert outcome.error.startswith(f"authentication failed at 127.0.0.1:{port}: 535")
    assert not inbox.messages
    assert deliveries(root)[before:] == [(folder.name, 1, "failed", outcome.error)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_missing_password_variable_is_named_and_nothing_is_sent(brief, smtp, monkeypatch):
    root, _, _, _, folder = brief
    inbox, port = smtp(authenticator=_authenticate, auth_required=True, auth_require_tls=False)
    monkeypatch.delenv("DIGEST_TEST_SMTP_PASSWORD", raising=False)
    config = write_config(root, port=port, username=USER, password_env="DIGEST_TEST_SMTP_PASSWORD")
    outcome = deliver(load_config(config), folder, policy=FAST)
    assert outcome.status == "failed" and "DIGEST_TEST_SMTP_PASSWORD is not set" in outcome.error
    assert not inbox.messages


def test_a_refused_connection_is_retried_with_exponential_backoff(brief):
    root, _, _, _, folder = brief
    port = free_port()  # nothing listens there
    delays: list[float] = []
    before = len(deliveries(root))
    outcome = deliver(load_config(write_config(root, port=port)), folder, sleep=delays.append)
    assert (outcome.status, outcome.attempts) == ("failed", 4)
    assert delays == [5.0, 10.0, 20.0]  # the default policy, without waiting for it
    error = f"connection refused by 127.0.0.1:{port}"
    assert deliveries(root)[before:] == [(folder.name, n, "failed", error) for n in (1, 2, 3, 4)]


def test_a_server_that_comes_back_gets_the_message_on_a_retry(brief, smtp):
    root, _, _, _, folder = brief
    port, inbox = free_port(), Inbox()

    def start_server_while_waiting(delay: float) -> None:  # the first attempt was refused; now it is up
        if not inbox.messages and delay == FAST.backoff:
            smtp(inbox, port)

    outcome = deliver(load_config(write_config(root, port=port)), folder, policy=FAST, sleep=start_server_while_waiting)
    assert (outcome.status, outcome.attempts) == ("sent", 2)
    assert len(inbox.messages) == 1
    assert [row[2] for row in deliveries(root)[-2:]] == ["failed", "sent"]


def test_a_refused_recipient_is_reported_and_the_others_still_get_it(brief, smtp):
    root, _, _, _, folder = brief
    inbox, port = smtp(Inbox(refuse=("nobody@example.org",)))
    config = write_config(root, port=port, to=["reader@example.org", "nobody@example.org"])
    outcome = deliver(load_config(config), folder, policy=FAST)
    assert (outcome.status, outcome.attempts) == ("partial", 1)
    assert outcome.error == "nobody@example.org (550 5.1.1 No such user here)"
    assert [recipients for recipients, _, _ in inbox.messages] == [["reader@example.org"]]


def test_every_recipient_refused_is_a_permanent_failure(brief, smtp):
    root, _, _, _, folder = brief
    inbox, port = smtp(Inbox(refuse=("reader@example.org",)))
    outcome = deliver(load_config(write_config(root, port=port)), folder, policy=FAST)
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert outcome.error.startswith("recipients refused: reader@example.org (550")
    assert not inbox.messages


def test_a_delivery_failure_never_fails_the_run_nor_loses_the_brief(tmp_path, monkeypatch):
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    config = write_config(tmp_path, port=free_port())
    monkeypatch.setattr(deliver_module, "RetryPolicy", partial(RetryPolicy, backoff=0.01))
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--format", "json,html"])
    assert result.exit_code == 0, result.output
    assert "connection refused" in result.output  # reported on stderr (mixed into output here)
    (folder,) = [p for p in (tmp_path / "out" / "demo").iterdir() if p.is_dir()]
    assert {p.name for p in folder.iterdir()} == {"briefing.json", "briefing.html"}
    assert [row[2] for row in deliveries(tmp_path)] == ["failed"] * 4
    with sqlite3.connect(tmp_path / "var" / "demo.db") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("ok",)]


def test_digest_deliver_resends_a_past_brief_and_defaults_to_the_latest(brief, smtp, tmp_path):
    root, _, _, _, folder = brief
    past = folder.parent / "2024-06-21"
    shutil.copytree(folder, past)
    with open(past / "briefing.pdf", "ab") as pdf:
        pdf.write(b"\n% the 2024-06-21 copy\n")  # distinguishable, still a valid PDF
    inbox, port = smtp()
    config = write_config(root, port=port)
    runner = CliRunner()
    resent = runner.invoke(cli, ["deliver", "--config", str(config), "--date", "2024-06-21"])
    latest = runner.invoke(cli, ["deliver", "--config", str(config)])
    shutil.rmtree(past)
    assert resent.exit_code == 0, resent.output
    assert "Sent the 2024-06-21 brief to reader@example.org" in resent.output
    assert latest.exit_code == 0 and f"Sent the {folder.name} brief" in latest.output
    (_, first, _), (_, second, _) = inbox.messages
    assert first["Subject"] == "Demo Brief — 2024-06-21"
    assert parts(first)["application/pdf"].get_filename() == "demo-brief-2024-06-21.pdf"
    assert parts(first)["application/pdf"].get_content().endswith(b"% the 2024-06-21 copy\n")
    assert parts(second)["application/pdf"].get_content() == (folder / "briefing.pdf").read_bytes()


def test_digest_deliver_errors_and_exit_codes(brief, monkeypatch):
    root, _, _, _, folder = brief
    monkeypatch.setattr(deliver_module, "RetryPolicy", partial(RetryPolicy, backoff=0.01))
    runner = CliRunner()
    unsent = runner.invoke(cli, ["deliver", "--config", str(write_config(root, port=free_port())), "--date",
                                 folder.name, "--wait", "0"])
    missing = runner.invoke(cli, ["deliver", "--config", str(write_config(root, port=25)), "--date", "2001-01-01"])
    bad_date = runner.invoke(cli, ["deliver", "--config", str(write_config(root, port=25)), "--date", "yesterday"])
    unconfigured = runner.invoke(cli, ["deliver", "--config", str(write_config(root))])
    assert unsent.exit_code == 1 and "was not emailed (failed): connection refused" in unsent.output
    assert missing.exit_code == 1 and "no brief for 2001-01-01" in missing.output
    assert bad_date.exit_code == 2 and "--date" in bad_date.output
    assert unconfigured.exit_code == 2 and "delivery.email is not configured" in unconfigured.output
