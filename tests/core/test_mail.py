"""Building e-mails (no header injection) and sending them over SMTP: plain, STARTTLS and
implicit TLS against a real local SMTP server (aiosmtpd), with the certificate verified."""

import email
import socket
import ssl
import subprocess
import time
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.core.db import utcnow
from app.core.mail import UnsafeHeaderError, build_message, deliver
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage

# --- building ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "Hello\r\nBcc: x@example.org",
        "Hello\nBcc: x@example.org",
        "Hello\rBcc: x@example.org",
        "Hello\x00",
        "Hello\x1b[31m",
        "Hello\u2028Bcc: x@example.org",
        "Hello\x85Bcc: x@example.org",
    ],
)
@pytest.mark.parametrize("header", ["To", "Subject"])
def test_a_header_with_a_line_break_or_control_character_is_refused(ctx, header, value):
    to, subject = ("person@example.org", value) if header == "Subject" else (value, "Hello")
    with pytest.raises(UnsafeHeaderError) as error:
        build_message(to, subject, "Text")
    assert str(error.value) == f"{header} holds a control character"  # never the value


def test_an_ordinary_header_in_any_language_is_built(ctx):
    message = build_message("līga@example.org", "Sesija apstiprināta: 9.30 — ¿vale?", "Teksts")
    parsed = email.message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Subject"] == "Sesija apstiprināta: 9.30 — ¿vale?"
    assert parsed["Bcc"] is None


# --- a real SMTP server -----------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made for this run: (cert file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def smtp_server(certificate):
    """Start an SMTP server on 127.0.0.1: mode "plain", "starttls" or "tls" (implicit)."""
    started = []

    def start(mode: str):
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(*certificate)
        options = {}
        if mode == "starttls":
            options = {"tls_context": server_context, "require_starttls": True}
        elif mode == "tls":
            options = {"ssl_context": server_context}
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return controller.port, inbox

    yield start
    for controller in started:
        controller.stop()


def smtp_config(app, port, **settings):
    app.config.update(
        {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "SMTP_TIMEOUT": 5,
            "SMTP_SECURITY": None,
            "SMTP_STARTTLS": False,
            "SMTP_CA_FILE": None,
            **settings,
        }
    )


def test_plain_smtp_delivers(ctx, smtp_server):
    port, inbox = smtp_server("plain")
    smtp_config(ctx, port)
    deliver(build_message("person@example.org", "Plain", "Over plain SMTP"))
    [received] = inbox.messages
    assert received["Subject"] == "Plain"


@pytest.mark.parametrize(
    "settings",
    [{"SMTP_SECURITY": "starttls"}, {"SMTP_STARTTLS": True}],  # the older setting still works
    ids=["SMTP_SECURITY", "SMTP_STARTTLS"],
)
def test_starttls_verifies_the_servers_certificate(ctx, smtp_server, certificate, settings):
    port, inbox = smtp_server("starttls")
    smtp_config(ctx, port, **settings)
    with pytest.raises(ssl.SSLCertVerificationError):
        deliver(build_message("person@example.org", "Unverified", "Never sent"))
    assert inbox.messages == []
    ctx.config["SMTP_CA_FILE"] = certificate[0]  # the private CA that signed the server's cert
    deliver(build_message("person@example.org", "Verified", "Over STARTTLS"))
    assert [m["Subject"] for m in inbox.messages] == ["Verified"]


def test_implicit_tls_verifies_the_servers_certificate(ctx, smtp_server, certificate):
    port, inbox = smtp_server("tls")
    smtp_config(ctx, port, SMTP_SECURITY="tls")
    with pytest.raises(ssl.SSLCertVerificationError):
        deliver(build_message("person@example.org", "Unverified", "Never sent"))
    assert inbox.messages == []
    ctx.config["SMTP_CA_FILE"] = certificate[0]
    deliver(build_message("person@example.org", "Verified", "Over implicit TLS"))
    assert [m["Subject"] for m in inbox.messages] == ["Verified"]


def test_starttls_never_falls_back_to_plain_text(ctx, smtp_server, certificate):
    port, inbox = smtp_server("plain")  # offers no STARTTLS (as a downgrading attacker would)
    smtp_config(ctx, port, SMTP_SECURITY="starttls", SMTP_CA_FILE=certificate[0])
    with pytest.raises(Exception, match="STARTTLS"):
        deliver(build_message("person@example.org", "Downgraded", "Never sent"))
    assert inbox.messages == []


def test_an_unknown_security_setting_is_refused(ctx):
    ctx.config.update(MAIL_BACKEND="smtp", SMTP_SECURITY="ssl-please")
    with pytest.raises(RuntimeError, match="SMTP_SECURITY"):
        deliver(build_message("person@example.org", "x", "x"))


@pytest.mark.parametrize("security", ["none", "tls"])
def test_a_server_that_never_answers_times_out(ctx, security):
    """A silent server (or a TLS handshake that never comes) ends after SMTP_TIMEOUT."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        smtp_config(ctx, silent.getsockname()[1], SMTP_SECURITY=security, SMTP_TIMEOUT=0.5)
        start = time.monotonic()
        with pytest.raises(OSError, match="timed out"):  # smtplib's errors are OSErrors too
            deliver(build_message("person@example.org", "x", "x"))
        assert time.monotonic() - start < 5


def test_the_dispatcher_retries_a_message_refused_by_the_certificate_check(
    ctx, smtp_server, certificate
):
    port, inbox = smtp_server("starttls")
    smtp_config(ctx, port, SMTP_SECURITY="starttls")
    now = utcnow()
    payload = notifications.prepared_payload("person@example.org", "TLS", "Text")
    notifications.plan("note:tls", "prepared", now, payload=payload)
    db.session.commit()
    report = notifications.dispatch_due(now)
    assert report.retried == 1 and inbox.messages == []
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == "note:tls"))
    assert message.status == "pending" and message.last_error == "SSLCertVerificationError"
    ctx.config["SMTP_CA_FILE"] = certificate[0]
    assert notifications.dispatch_due(now + timedelta(minutes=2)).sent == 1
    assert [m["Subject"] for m in inbox.messages] == ["TLS"]
