"""Mail backends chosen by configuration: file (default), smtp and memory."""

import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale


def build_message(
    to: str, subject: str, text: str, html: str | None = None, attachments=()
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
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
        config = current_app.config
        with smtplib.SMTP(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
        ) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")


def render_templated(
    to: str, locale: str, template: str, subject, attachments=(), **context
) -> EmailMessage:
    """Render mail/<template>.txt and .html in the recipient's locale, without sending."""
    with force_locale(locale):
        subject_text = str(subject)
        text = render_template(f"mail/{template}.txt", subject=subject_text, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    return build_message(to, subject_text, text, html, attachments)


def send_templated(to: str, locale: str, template: str, subject, **context) -> EmailMessage:
    """Render mail/<template>.txt and .html in the recipient's locale and send it."""
    message = render_templated(to, locale, template, subject, **context)
    deliver(message)
    return message


def absolute_url(endpoint: str, **values) -> str:
    """Return an absolute URL for links in e-mails, on the configured origin.

    Never the request's Host header: a forged one would put another site in a reset link.
    """
    origin = current_app.config["SERVER_ORIGIN"].rstrip("/")
    adapter = current_app.url_map.bind("localhost")
    return origin + adapter.build(endpoint, values)
