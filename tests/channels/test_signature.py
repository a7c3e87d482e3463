from __future__ import annotations

import pytest

from app.channels.signature import body_signature, verify_handshake, verify_signature
from app.errors import Forbidden, Unauthorized
from tests.fakes.fixtures import fixture_bytes


def test_known_vector_from_the_platform_notes() -> None:
    body = fixture_bytes("wa_text.json")
    assert body_signature("test-app-secret", body) == (
        "sha256=4abe1ed4eb5485f33cd3106d2dfec3be60772f95ca1b7119fa05a79288eac97d"
    )
    verify_signature("test-app-secret", body, body_signature("test-app-secret", body))


def test_missing_is_401_and_wrong_is_403() -> None:
    body = b'{"object":"page","entry":[]}'
    with pytest.raises(Unauthorized):
        verify_signature("s", body, None)
    with pytest.raises(Forbidden):
        verify_signature("s", body, body_signature("other", body))
    with pytest.raises(Forbidden):
        verify_signature("s", body + b" ", body_signature("s", body))
    with pytest.raises(Forbidden):  # the old sha1 header format is not accepted
        verify_signature("s", body, "sha1=" + body_signature("s", body)[7:])


def test_handshake() -> None:
    assert verify_handshake("tok", mode="subscribe", token="tok", challenge="123") == "123"
    for mode, token in (("subscribe", "bad"), ("unsubscribe", "tok"), (None, "tok")):
        with pytest.raises(Forbidden):
            verify_handshake("tok", mode=mode, token=token, challenge="123")
