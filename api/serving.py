"""How the HTTP server around the app is configured, whichever way it is started (``hoidap serve``, its
workers, the test servers): proxy headers believed only from ``HOIDAP_TRUSTED_PROXIES``, admin keys strong
enough. Light imports only: ``hoidap serve --workers N`` calls this before any worker loads the app.
"""

from __future__ import annotations

from core.settings import Settings

MIN_ADMIN_KEY_CHARS = 24


class WeakAdminKey(ValueError):
    """An admin key is too short to withstand guessing; the message says which one and what is accepted."""


def uvicorn_options(settings: Settings) -> dict:
    """``proxy_headers`` and ``forwarded_allow_ips`` for ``uvicorn.run``/``uvicorn.Config``.

    uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise (and from ``FORWARDED_ALLOW_IPS``
    in the environment): anyone on the host could then choose the address the rate limit and the sign-in
    lockout count against. Here its proxy handling is off unless ``HOIDAP_TRUSTED_PROXIES`` names proxies,
    and then believes only those.

    Example:
        >>> uvicorn_options(Settings())
        {'proxy_headers': False, 'forwarded_allow_ips': ''}
        >>> uvicorn_options(Settings(trusted_proxies=["10.0.0.0/8"]))
        {'proxy_headers': True, 'forwarded_allow_ips': '10.0.0.0/8'}
    """
    trusted = ",".join(str(network) for network in settings.trusted_proxies)
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def check_admin_keys(settings: Settings) -> None:
    """Refuse admin keys shorter than :data:`MIN_ADMIN_KEY_CHARS` (none at all is fine: admin routes stay closed).

    Raises:
        WeakAdminKey: naming the key by its position and length, never by its value.

    Example:
        >>> check_admin_keys(Settings(admin_keys=["x" * 24]))
        >>> check_admin_keys(Settings(admin_keys=["short"]))
        Traceback (most recent call last):
        ...
        api.serving.WeakAdminKey: HOIDAP_ADMIN_KEYS: key 1 has 5 characters; use 24 or more (e.g. python -c "import secrets; print(secrets.token_urlsafe(24))")
    """
    for position, key in enumerate(settings.admin_keys, 1):
        length = len(key.get_secret_value())
        if length < MIN_ADMIN_KEY_CHARS:
            raise WeakAdminKey(f"HOIDAP_ADMIN_KEYS: key {position} has {length} characters; use "
                               f"{MIN_ADMIN_KEY_CHARS} or more (e.g. python -c \"import secrets; "
                               "print(secrets.token_urlsafe(24))\")")
