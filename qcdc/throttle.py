"""Counting requests per key in a time window, in the cache (Redis in production)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def allow(scope: str, value: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more request for ``value``; False once ``limit`` is passed in the window.

    The value is hashed: e-mail addresses typed into a public form do not sit in the
    cache in clear.
    """
    key = f"throttle:{scope}:{hashlib.sha256(value.encode()).hexdigest()}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
