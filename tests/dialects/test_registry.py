"""One registration line per face: the registry feeds the app's faces, the workers' wire formats
and the rate limiter's credential places, so a new face needs no other list edited."""

from __future__ import annotations

from forgehooks.api.faces import load_faces
from forgehooks.api.guards import CredentialPlaces, credential_key
from forgehooks.dialects.registry import FACE_PACKAGES
from forgehooks.dialects.wires import load_wires


def scope(headers: dict[str, str], query: str = "") -> dict[str, object]:
    return {
        "type": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "query_string": query.encode(),
    }


def test_faces_and_wires_follow_the_registry() -> None:
    assert [face.name for face in load_faces()] == list(FACE_PACKAGES)
    assert [wire.dialect for wire in load_wires()] == list(FACE_PACKAGES)


def test_every_faces_credential_place_keys_the_rate_limit() -> None:
    places = CredentialPlaces.of(place for face in load_faces() for place in face.credentials)
    # Codeup's x-yunxiao-token was missing from the hand-kept list: its callers were never limited
    assert credential_key(scope({"x-yunxiao-token": "pt-1"}), places) is not None  # type: ignore[arg-type]
    for headers, query in [
        ({"PRIVATE-TOKEN": "t"}, ""),
        ({"X-Auth-Token": "t"}, ""),
        ({"Authorization": "token t"}, ""),
        ({}, "AccessToken=t&OrganizationId=o"),
        ({}, "access_token=t"),
    ]:
        assert credential_key(scope(headers, query), places) == credential_key(  # type: ignore[arg-type]
            scope({"PRIVATE-TOKEN": "t"}),
            places,  # type: ignore[arg-type]
        )
    assert credential_key(scope({}, "page=2"), places) is None  # type: ignore[arg-type]
