"""The site's own address, for links that leave the request: emails, the admin's notifications.

`SITE_URL` names it. In development, when `SITE_URL` is not set, it is the address the development
server was started on (`runserver 127.0.0.1:18731` links to http://127.0.0.1:18731), so a link in an
email opens the server that sent it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
# runserver's "addr:port", "port", "[ipv6]:port"
_ADDRPORT = re.compile(r"^(?:(?P<addr>\[[0-9a-fA-F:.]+\]|[\w.-]+):)?(?P<port>\d+)$")


def site_url(path: str = "") -> str:
    """The absolute address of `path` (which starts with "/") on this site."""
    return settings.SITE_URL.rstrip("/") + path


def runserver_site_url(argv: Sequence[str]) -> str | None:
    """The address `manage.py runserver [addr:]port` serves, from its command line; None for other commands.

    A server bound to every interface (0.0.0.0, ::) is reached on loopback; runserver's default is port 8000.
    """
    if len(argv) < 2 or argv[1] != "runserver":
        return None
    addrport = next((arg for arg in argv[2:] if not arg.startswith("-")), "")
    if not addrport:
        return DEFAULT_SITE_URL
    match = _ADDRPORT.match(addrport)
    if match is None:
        return None
    addr = match.group("addr") or "127.0.0.1"
    if addr in ("0", "0.0.0.0", "[::]"):  # noqa: S104  (an address we read, not one we bind)
        addr = "127.0.0.1"
    return f"http://{addr}:{match.group('port')}"
