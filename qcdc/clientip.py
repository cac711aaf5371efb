"""The client's address, as the sign-in throttle and the reset throttle see it.

Behind a reverse proxy every request comes from the proxy, so counting failures per
``REMOTE_ADDR`` would let one attacker lock every user out. With
``TRUSTED_PROXY_COUNT = n`` the address is the n-th entry from the right of
``X-Forwarded-For`` (each proxy appends the address it saw; entries further left were
sent by the client and can be anything). Without it the header is ignored: a client
cannot pick its own address by sending one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
