"""Which URLs the crawler may fetch: http(s) only, and no private or loopback addresses
unless `allow_private_networks` is set (tests and the demo).

Used when a source is added and, through a downloader middleware, on every request the
crawler makes (redirect hops included), so a public URL cannot bounce into the LAN.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


class BlockedURL(ValueError):
    """The URL must not be fetched; the message says why."""


def check_url(url: str, *, allow_private: bool, resolve: bool = True) -> None:
    """Raise BlockedURL when `url` is not http(s) or points at a private/loopback host."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise BlockedURL(f"not a valid URL: {url!r}") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedURL(f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    if not host:
        raise BlockedURL(f"URL has no host: {url!r}")
    if allow_private:
        return
    for address in _addresses(host, resolve):
        if not _is_public(address):
            raise BlockedURL(
                f"{host} resolves to the non-public address {address} "
                "(set KIL_ALLOW_PRIVATE_NETWORKS=true to allow it)"
            )


def _addresses(host: str, resolve: bool) -> list[str]:
    host = host.rstrip(".")  # `localhost.` is localhost: a fully qualified name
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return ["127.0.0.1"]
    if not resolve:
        return []
    return list(_resolve(host.lower()))


@lru_cache(maxsize=1024)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ()  # unresolvable: the fetch itself will fail and be recorded
    return tuple(sorted({str(info[4][0]).split("%")[0] for info in infos}))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
