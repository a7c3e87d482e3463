"""The address check on its own: which addresses are public, and the pinned target."""

from __future__ import annotations

import pytest

from app.events.addresses import UnsafeUrl, checked_target, is_public


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("::ffff:10.0.0.1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


async def test_the_request_goes_to_the_checked_address_under_the_original_name() -> None:
    target = await checked_target("https://93.184.215.14:8443/h?x=1", allow_private=False)
    assert str(target.url) == "https://93.184.215.14:8443/h?x=1"
    assert target.host_header == "93.184.215.14:8443"
    assert target.sni_hostname == "93.184.215.14"


async def test_private_is_allowed_only_when_configured() -> None:
    with pytest.raises(UnsafeUrl, match=r"127\.0\.0\.1"):
        await checked_target("http://localhost:9/h", allow_private=False)
    allowed = await checked_target("http://localhost:9/h", allow_private=True)
    assert str(allowed.url) == "http://localhost:9/h"
    assert allowed.host_header is None
