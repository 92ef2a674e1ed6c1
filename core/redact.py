"""Secrets kept out of what is shown: error texts and log lines (python-telegram-bot and httpx put the
bot token in the URLs they log and in some error messages)."""

from __future__ import annotations

import logging


class Redactor(logging.Filter):
    """Replaces each secret by ``mark`` in a text (call it) or in every record of a log handler (add it
    as a filter). Empty secrets are ignored.

    Example:
        >>> redact = Redactor("123:ABC")
        >>> redact("https://api.telegram.org/bot123:ABC/getMe failed")
        'https://api.telegram.org/bot<token>/getMe failed'
    """

    def __init__(self, *secrets: str, mark: str = "<token>") -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self.mark = mark

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, self.mark)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
