"""System checks of the units app's settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production every e-mailed link must lead to the public site over HTTPS."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme == "https" and parts.hostname not in (None, "", "127.0.0.1", "localhost", "::1"):
        return []
    return [
        Error(
            "SITE_URL must be the public https:// address of the site (e.g. https://qcdc.example.vn): "
            "every link in e-mails and letters is built from it.",
            id="units.E001",
        )
    ]
