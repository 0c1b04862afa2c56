"""Mail backends chosen by configuration: file (default), smtp and memory."""

import smtplib
import ssl
import unicodedata
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale


class UnsafeHeaderError(ValueError):
    """A header value holds a line break or another control character (never sent)."""


# Control characters, and the line and paragraph separators the e-mail library treats as
# line breaks: in a header they could start a header of their own ("\r\nBcc: ...").
_UNSAFE_CATEGORIES = frozenset(("Cc", "Zl", "Zp"))


def check_header_value(name: str, value: str) -> str:
    """Return the value, or raise UnsafeHeaderError naming the header (never the value)."""
    if any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in value):
        raise UnsafeHeaderError(f"{name} holds a control character")
    return value


def build_message(
    to: str, subject: str, text: str, html: str | None = None, attachments=()
) -> EmailMessage:
    """Build the e-mail; raise UnsafeHeaderError when the address or subject is unsafe."""
    message = EmailMessage()
    message["From"] = check_header_value("From", current_app.config["MAIL_SENDER"])
    message["To"] = check_header_value("To", to)
    message["Subject"] = check_header_value("Subject", subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="doimpact.eu")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        kind, *parameters = (part.strip() for part in content_type.split(";"))
        maintype, subtype = kind.split("/", 1)
        params = dict(p.split("=", 1) for p in parameters)  # text/calendar; method=REQUEST
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    return message


def deliver(message: EmailMessage) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "file":
        outbox = Path(current_app.config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(bytes(message))
    elif backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message, current_app.config)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")


SMTP_SECURITY_MODES = ("none", "starttls", "tls")


def smtp_security(config) -> str:
    """SMTP_SECURITY, or "starttls" when only the older SMTP_STARTTLS = True is set."""
    security = config.get("SMTP_SECURITY") or (
        "starttls" if config.get("SMTP_STARTTLS") else "none"
    )
    security = str(security).lower()
    if security not in SMTP_SECURITY_MODES:
        raise RuntimeError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_MODES)}")
    return security


def _send_smtp(message: EmailMessage, config) -> None:
    """Send through the SMTP server; with TLS, its certificate and host name are verified."""
    security = smtp_security(config)
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    context = None
    if security != "none":
        # The system's trusted authorities, or SMTP_CA_FILE for a server with a private CA.
        context = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)
    if security == "tls":
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    with connection as smtp:
        if security == "starttls":
            smtp.starttls(context=context)  # refuses (SMTPNotSupportedError) rather than go plain
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def render_templated(
    to: str, locale: str, template: str, subject, attachments=(), **context
) -> EmailMessage:
    """Render mail/<template>.txt and .html in the recipient's locale, without sending."""
    with force_locale(locale):
        subject_text = str(subject)
        text = render_template(f"mail/{template}.txt", subject=subject_text, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    return build_message(to, subject_text, text, html, attachments)


def absolute_url(endpoint: str, **values) -> str:
    """Return an absolute URL for links in e-mails, on the configured origin.

    Never the request's Host header: a forged one would put another site in a reset link.
    """
    origin = current_app.config["SERVER_ORIGIN"].rstrip("/")
    adapter = current_app.url_map.bind("localhost")
    return origin + adapter.build(endpoint, values)
