"""Alert channels: any apprise URL (``kind = "apprise"``), and the project's own formats for
Slack-compatible and Microsoft Teams webhooks, a generic JSON webhook and SMTP.

``send`` delivers one message (an alert, or a digest of several) and raises ``DeliveryError``
when the channel does not take it. Errors never carry the channel's URL or credentials. Why the
four older kinds keep their own payloads instead of apprise's plug-ins: docs/decisions.md,
"Alert delivery".
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from crm_warehouse.monitor.alerts import PRODUCT, Alert, digest_headline
from crm_warehouse.monitor.redact import redact
from crm_warehouse.settings.monitor import (
    AppriseChannel,
    ChannelConfig,
    EmailChannel,
    SlackChannel,
    TeamsChannel,
    WebhookChannel,
)

_RED, _GREEN = "D7263D", "2EB67D"


class DeliveryError(Exception):
    """A channel did not accept a message (the run goes on; the failure is recorded)."""


def send(channel: ChannelConfig, alerts: list[Alert]) -> None:
    """Deliver ``alerts`` as one message (a digest when there are several)."""
    try:
        if isinstance(channel, AppriseChannel):
            _send_apprise(channel, alerts)
        elif isinstance(channel, EmailChannel):
            _send_email(channel, alerts)
        else:
            _post(channel, _payload(channel, alerts))
    except DeliveryError:
        raise
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise DeliveryError(_describe(exc)) from None


def _send_apprise(channel: AppriseChannel, alerts: list[Alert]) -> None:
    import apprise

    notifier = apprise.Apprise(asset=apprise.AppriseAsset(app_id=PRODUCT))
    if not notifier.add(channel.url.get_secret_value()):
        raise DeliveryError("apprise does not understand the channel's URL")
    failing = any(a.status == "failing" for a in alerts)
    delivered = notifier.notify(
        title=_headline(alerts),
        body=_text(alerts),
        notify_type=apprise.NotifyType.FAILURE if failing else apprise.NotifyType.SUCCESS,
    )
    if not delivered:
        raise DeliveryError("the apprise service did not accept the message (see the log)")


def _payload(
    channel: SlackChannel | TeamsChannel | WebhookChannel, alerts: list[Alert]
) -> dict[str, Any]:
    if isinstance(channel, SlackChannel):
        return _slack(alerts)
    if isinstance(channel, TeamsChannel):
        return _teams_adaptive(alerts) if channel.format == "adaptive" else _teams_card(alerts)
    return _webhook(alerts)


def _headline(alerts: list[Alert]) -> str:
    return alerts[0].headline if len(alerts) == 1 else digest_headline(alerts)


def _text(alerts: list[Alert]) -> str:
    blocks = [
        "\n".join([a.headline, *a.lines()]) if len(alerts) > 1 else "\n".join(a.lines())
        for a in alerts
    ]
    return "\n\n".join(blocks)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(alerts: list[Alert]) -> dict[str, Any]:
    headline = _headline(alerts)
    sections = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _slack_escape("\n".join([f"*{a.headline}*", *a.lines()])),
            },
        }
        for a in alerts
    ]
    return {
        "text": _slack_escape(f"{headline}\n{_text(alerts)}"),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            *sections,
        ],
    }


def _teams_card(alerts: list[Alert]) -> dict[str, Any]:
    failing = any(a.status == "failing" for a in alerts)
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": _headline(alerts),
        "themeColor": _RED if failing else _GREEN,
        "title": _headline(alerts),
        "sections": [{"activityTitle": a.headline, "facts": _facts(a)} for a in alerts],
    }


def _teams_adaptive(alerts: list[Alert]) -> dict[str, Any]:
    def text(value: str, status: str, size: str = "Default") -> dict[str, Any]:
        colour = "Attention" if status == "failing" else "Good"
        return {
            "type": "TextBlock",
            "text": value,
            "weight": "Bolder",
            "size": size,
            "color": colour,
            "wrap": True,
        }

    def facts(alert: Alert) -> dict[str, Any]:
        return {
            "type": "FactSet",
            "facts": [{"title": f["name"], "value": f["value"]} for f in _facts(alert)],
        }

    if len(alerts) == 1:
        body = [text(alerts[0].headline, alerts[0].status, "Medium"), facts(alerts[0])]
    else:
        body = [
            text(
                _headline(alerts),
                "failing" if any(a.status == "failing" for a in alerts) else "recovered",
                "Medium",
            )
        ]
        for alert in alerts:
            body += [text(alert.headline, alert.status), facts(alert)]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }


def _facts(alert: Alert) -> list[dict[str, str]]:
    return [
        {"name": name, "value": value.strip()}
        for name, _, value in (line.partition(":") for line in alert.lines())
    ]


def _webhook(alerts: list[Alert]) -> dict[str, Any]:
    if len(alerts) == 1:
        return alerts[0].as_json()
    return {
        "source": PRODUCT,
        "headline": _headline(alerts),
        "alerts": [a.as_json() for a in alerts],
    }


def _post(channel: SlackChannel | TeamsChannel | WebhookChannel, payload: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": PRODUCT}
    if isinstance(channel, WebhookChannel):
        headers |= {k: v.get_secret_value() for k, v in channel.headers.items()}
    request = urllib.request.Request(
        channel.url.get_secret_value(),
        data=json.dumps(payload).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=channel.timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"the webhook answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"cannot reach the webhook ({_describe(exc.reason)})") from None


def _send_email(channel: EmailChannel, alerts: list[Alert]) -> None:
    message = EmailMessage()
    message["Subject"] = f"[{PRODUCT}] {_headline(alerts)}"
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.recipients)
    message.set_content(_text(alerts) + "\n")
    context = ssl.create_default_context(cafile=channel.ca_file)
    smtp: smtplib.SMTP = (
        smtplib.SMTP_SSL(
            channel.host, channel.port, timeout=channel.timeout_seconds, context=context
        )
        if channel.ssl
        else smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds)
    )
    with smtp:
        if channel.starttls and not channel.ssl:
            smtp.starttls(context=context)
        if channel.username and channel.password:
            smtp.login(channel.username, channel.password.get_secret_value())
        smtp.send_message(message)


def _describe(exc: BaseException | str) -> str:
    text = str(exc).strip() or type(exc).__name__
    return redact(text.splitlines()[0])
