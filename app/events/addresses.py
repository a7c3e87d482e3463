"""Where an event may be posted: never into the router's own network (server-side request
forgery), unless ``ROUTER_EVENTS_ALLOW_PRIVATE_URLS`` says the receivers live there.

A name is judged by every address it resolves to, at subscription time and again before
each delivery (DNS can change in between); the delivery then connects to the address that
was checked, so a second lookup cannot swap in another (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

MAX_URL_LENGTH = 2000


class UnsafeUrl(ValueError):
    """The URL is malformed or points at an address the router must not reach."""


@dataclass(frozen=True)
class Target:
    url: httpx.URL  # the URL to request (its host replaced by the checked address)
    host_header: str | None  # the original host, when the URL now names an address
    sni_hostname: str | None  # for TLS: the name the certificate must carry


def parse_url(raw: str) -> httpx.URL:
    if len(raw) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise UnsafeUrl("the URL must be http:// or https:// with a host")
    if url.userinfo:
        raise UnsafeUrl("the URL must not carry a user name or password")
    return url


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local (cloud metadata at
    # 169.254.169.254), shared (100.64/10), unspecified and reserved ranges.
    return ip.is_global and not ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"cannot resolve {host!r}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_target(raw: str, *, allow_private: bool) -> Target:
    """The URL to post to, once every address its host resolves to is public."""
    url = parse_url(raw)
    if allow_private:
        return Target(url, None, None)
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await resolve(url.host, port)
    refused = [a for a in addresses if not is_public(a)]
    if refused or not addresses:
        raise UnsafeUrl(
            f"{url.host} resolves to {', '.join(refused) or 'nothing'}: loopback, private and"
            " link-local addresses are refused (ROUTER_EVENTS_ALLOW_PRIVATE_URLS=true allows"
            " them)"
        )
    host_header = url.netloc.decode("ascii")
    sni = url.host if url.scheme == "https" else None
    return Target(url.copy_with(host=addresses[0]), host_header, sni)
