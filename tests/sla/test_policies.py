"""The SLA policy API: admins change policies, supervisors read them, bad input is a 422."""

from __future__ import annotations

import httpx
import pytest

from tests.sla.conftest import add_policy


async def test_create_list_change_delete(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await add_policy(
        client,
        admin_headers,
        name="WhatsApp 15 menit",
        first_response_s=900,
        next_response_s=1800,
        resolution_s=86400,
        channels=["whatsapp", "instagram"],
        position=2,
    )
    assert created["channels"] == ["whatsapp", "instagram"]
    assert created["teams"] == []
    first = await add_policy(client, admin_headers, name="Umum", position=1)
    listed = await client.get("/api/v1/sla-policies", headers=admin_headers)
    assert [p["name"] for p in listed.json()["items"]] == ["Umum", "WhatsApp 15 menit"]

    url = f"/api/v1/sla-policies/{created['id']}"
    changed = await client.patch(
        url, json={"position": 0, "resolution_s": None}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["resolution_s"] is None
    listed = await client.get("/api/v1/sla-policies", headers=admin_headers)
    assert [p["id"] for p in listed.json()["items"]] == [created["id"], first["id"]]

    assert (await client.delete(url, headers=admin_headers)).status_code == 204
    missing = await client.delete(url, headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "sla_policy_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "x", "business_hours": True}, "validation_error"),
        ({"name": "x", "first_response_s": 0, "business_hours": True}, "validation_error"),
        ({"name": "", "first_response_s": 60, "business_hours": True}, "validation_error"),
        (
            {"name": "x", "first_response_s": 60, "business_hours": True, "channels": ["fax"]},
            "validation_error",
        ),
        (
            {"name": "x", "first_response_s": 60, "business_hours": True, "teams": [999]},
            "unknown_team",
        ),
        ({"name": "x", "first_response_s": 60, "business_hours": True, "x": 1}, None),
    ],
)
async def test_bad_policies_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, object], code: str
) -> None:
    response = await client.post("/api/v1/sla-policies", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    if code is not None:
        assert response.json()["error"]["code"] == code


async def test_a_patch_cannot_null_a_required_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await add_policy(client, admin_headers)
    response = await client.patch(
        f"/api/v1/sla-policies/{created['id']}",
        json={"first_response_s": None},
        headers=admin_headers,
    )
    assert response.status_code == 422


async def test_agents_may_not_read_or_change_policies(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/sla-policies")).status_code == 401
    body = {"name": "x", "first_response_s": 60, "business_hours": True}
    assert (await client.post("/api/v1/sla-policies", json=body)).status_code == 401
