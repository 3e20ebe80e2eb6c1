"""Seed 001_0f664279d6eed962.txt, 创建代码库Webhook: request syntax, body table (defaults), 返回数据
(every Result field), the XML and JSON answer examples; and the rest of the life cycle in the same style."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

import httpx

from tests.dialects.codeup_v3.conftest import Repo

RESULT_FIELDS = {
    "Id",
    "Url",
    "ProjectId",
    "CreatedAt",
    "PushEvents",
    "TagPushEvents",
    "MergeRequestsEvents",
    "NoteEvents",
    "IssuesEvents",
    "BuildEvents",
    "EnableSslVerification",
    "Description",
    "SecretToken",
    "LastTestResult",
}
CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$")
XML = {"Accept": "application/xml"}


async def test_create_with_only_url_applies_the_documented_defaults(
    client: httpx.AsyncClient, repo: Repo
) -> None:
    r = await client.post(repo.hooks, params=repo.query(), json={"url": "http://127.0.0.1:9/hook"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"RequestId", "ErrorCode", "ErrorMessage", "Success", "Result"}
    assert body["Success"] is True
    result = body["Result"]
    assert set(result) == RESULT_FIELDS
    assert result["PushEvents"] is True
    assert result["MergeRequestsEvents"] is False
    assert result["TagPushEvents"] is False
    assert result["NoteEvents"] is False
    assert result["IssuesEvents"] is False and result["BuildEvents"] is False
    assert result["EnableSslVerification"] is True
    assert result["Description"] == "" and result["SecretToken"] == "" and result["LastTestResult"] == ""
    assert isinstance(result["Id"], int) and result["ProjectId"] == repo.project.id
    assert result["Url"] == "http://127.0.0.1:9/hook"
    assert CREATED_AT.match(result["CreatedAt"]), result["CreatedAt"]


async def test_create_with_the_documented_example_body(client: httpx.AsyncClient, repo: Repo) -> None:
    example = {
        "url": "http://example.com",
        "push_events": True,
        "merge_requests_events": True,
        "tag_push_events": True,
        "note_events": True,
        "enable_ssl_verification": False,
        "description": "desc",
        "secret_token": "s3cret",
    }
    result = (await client.post(repo.hooks, params=repo.query(), json=example)).json()["Result"]
    assert result["PushEvents"] and result["MergeRequestsEvents"] and result["TagPushEvents"]
    assert result["NoteEvents"] is True
    assert result["EnableSslVerification"] is False
    assert result["Description"] == "desc"
    assert result["SecretToken"] == "s3cret"


async def test_the_tables_misspelt_merge_request_flag_is_accepted(
    client: httpx.AsyncClient, repo: Repo
) -> None:
    typo = {"url": "http://example.com/a", "merge_reqeusts_events": True}
    assert (await client.post(repo.hooks, params=repo.query(), json=typo)).json()["Result"][
        "MergeRequestsEvents"
    ]
    both = {"url": "http://example.com/b", "merge_reqeusts_events": True, "merge_requests_events": False}
    result = (await client.post(repo.hooks, params=repo.query(), json=both)).json()["Result"]
    assert result["MergeRequestsEvents"] is False


async def test_deprecated_flags_round_trip(client: httpx.AsyncClient, repo: Repo) -> None:
    body = {"url": "http://example.com", "issues_events": True, "build_events": True, "push_events": False}
    result = (await client.post(repo.hooks, params=repo.query(), json=body)).json()["Result"]
    assert result["IssuesEvents"] is True and result["BuildEvents"] is True and result["PushEvents"] is False
    got = (await client.get(f"{repo.hooks}/{result['Id']}", params=repo.query())).json()["Result"]
    assert got == result


async def test_every_request_gets_a_fresh_request_id(client: httpx.AsyncClient, repo: Repo) -> None:
    ids = {(await client.get(repo.hooks, params=repo.query())).json()["RequestId"] for _ in range(3)}
    assert len(ids) == 3
    for request_id in ids:
        uuid.UUID(request_id)


async def test_create_answers_xml_shaped_like_the_document(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.post(
        repo.hooks, params=repo.query(), json={"url": "http://example.com", "description": "d"}, headers=XML
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert [child.tag for child in root] == ["RequestId", "ErrorCode", "ErrorMessage", "Success", "Result"]
    assert root.findtext("Success") == "true"
    result = root.find("Result")
    assert result is not None
    assert {child.tag for child in result} == RESULT_FIELDS
    assert result.findtext("PushEvents") == "true" and result.findtext("NoteEvents") == "false"
    assert result.findtext("Description") == "d"
    assert CREATED_AT.match(result.findtext("CreatedAt") or "")


async def test_list_pages_with_page_and_page_size_or_page_and_per_page(
    client: httpx.AsyncClient, repo: Repo
) -> None:
    for n in range(5):
        await client.post(repo.hooks, params=repo.query(), json={"url": f"http://example.com/{n}"})
    first = (await client.get(repo.hooks, params=repo.query() | {"Page": "1", "PageSize": "2"})).json()
    assert first["Total"] == 5
    assert [h["Url"] for h in first["Result"]] == ["http://example.com/0", "http://example.com/1"]
    third = (await client.get(repo.hooks, params=repo.query() | {"page": "3", "per_page": "2"})).json()
    assert [h["Url"] for h in third["Result"]] == ["http://example.com/4"]
    everything = await client.get(repo.hooks, params=repo.query())
    assert len(everything.json()["Result"]) == 5 and everything.headers["X-Total"] == "5"
    assert everything.headers["x-acs-request-id"] == everything.json()["RequestId"]
    one = everything.json()["Result"][4]
    shown = (await client.get(f"{repo.hooks}/{one['Id']}", params=repo.query())).json()["Result"]
    assert one == shown  # a listed hook is written as the single hook is
    beyond = (await client.get(repo.hooks, params=repo.query() | {"Page": "9"})).json()
    assert beyond["Result"] == [] and beyond["Total"] == 5


async def test_list_in_xml_repeats_result(client: httpx.AsyncClient, repo: Repo) -> None:
    for n in range(2):
        await client.post(repo.hooks, params=repo.query(), json={"url": f"http://example.com/{n}"})
    root = ET.fromstring((await client.get(repo.hooks, params=repo.query(), headers=XML)).content)
    assert root.findtext("Total") == "2"
    assert [r.findtext("Url") for r in root.findall("Result")] == [
        "http://example.com/0",
        "http://example.com/1",
    ]


async def test_bad_paging_is_invalid_parameter(client: httpx.AsyncClient, repo: Repo) -> None:
    for bad in ({"Page": "0"}, {"PageSize": "101"}, {"per_page": "x"}):
        r = await client.get(repo.hooks, params=repo.query() | bad)
        assert r.status_code == 400, bad
        assert r.json()["ErrorCode"] == "InvalidParameter"


async def test_update_changes_only_given_fields(client: httpx.AsyncClient, repo: Repo) -> None:
    body = {"url": "http://example.com", "tag_push_events": True, "description": "keep", "secret_token": "t"}
    created = (await client.post(repo.hooks, params=repo.query(), json=body)).json()["Result"]
    r = await client.put(
        f"{repo.hooks}/{created['Id']}", params=repo.query(), json={"note_events": True, "push_events": False}
    )
    assert r.status_code == 200
    result = r.json()["Result"]
    assert result["NoteEvents"] is True and result["PushEvents"] is False
    assert (
        result["TagPushEvents"] is True and result["Description"] == "keep" and result["SecretToken"] == "t"
    )
    assert result["CreatedAt"] == created["CreatedAt"]
    r = await client.put(
        f"{repo.hooks}/{created['Id']}", params=repo.query(), json={"url": "http://example.com/new"}
    )
    assert r.json()["Result"]["Url"] == "http://example.com/new" and r.json()["Result"]["NoteEvents"] is True


async def test_delete_answers_the_deleted_hook_then_it_is_gone(client: httpx.AsyncClient, repo: Repo) -> None:
    created = (await client.post(repo.hooks, params=repo.query(), json={"url": "http://example.com"})).json()
    hook_id = created["Result"]["Id"]
    r = await client.delete(f"{repo.hooks}/{hook_id}", params=repo.query())
    assert r.status_code == 200 and r.json()["Success"] is True and r.json()["Result"]["Id"] == hook_id
    gone = await client.get(f"{repo.hooks}/{hook_id}", params=repo.query())
    assert gone.status_code == 404
    assert gone.json()["ErrorCode"] == "NOT_FOUND" and gone.json()["Success"] is False
    again = await client.delete(f"{repo.hooks}/{hook_id}", params=repo.query())
    assert again.status_code == 404


async def test_bad_bodies_are_invalid_parameter_never_500(client: httpx.AsyncClient, repo: Repo) -> None:
    bad_bodies: list[dict[str, object]] = [
        {},
        {"url": ""},
        {"url": "not a url"},
        {"url": "ftp://example.com/x"},
        {"url": 123},
        {"url": "http://example.com", "push_events": "maybe"},
        {"url": "http://example.com", "description": ["x"]},
        {"url": "http://example.com", "secret_token": "x" * 300},
    ]
    for body in bad_bodies:
        r = await client.post(repo.hooks, params=repo.query(), json=body)
        assert r.status_code == 400, body
        assert r.json()["ErrorCode"] == "InvalidParameter" and r.json()["Success"] is False, body
        assert r.json()["ErrorMessage"]
    empty = await client.post(repo.hooks, params=repo.query())
    assert empty.status_code == 400 and "url" in empty.json()["ErrorMessage"]
    broken = await client.post(
        repo.hooks, params=repo.query(), content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["ErrorCode"] == "InvalidParameter"
    array = await client.post(repo.hooks, params=repo.query(), json=[{"url": "http://example.com"}])
    assert array.status_code == 400


async def test_unknown_and_non_numeric_ids(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.get(f"{repo.hooks}/999999", params=repo.query())
    assert r.status_code == 404 and r.json()["ErrorCode"] == "NOT_FOUND"
    r = await client.get(f"{repo.hooks}/abc", params=repo.query())
    assert r.status_code == 400 and r.json()["ErrorCode"] == "InvalidParameter"
    r = await client.get("/api/v3/projects/987654/hooks", params=repo.query())
    assert r.status_code == 404 and r.json()["ErrorCode"] == "NOT_FOUND"
    r = await client.put(f"{repo.hooks}/999999", params=repo.query(), json={"note_events": True})
    assert r.status_code == 404
    r = await client.post(f"{repo.hooks}/999999/test", params=repo.query())
    assert r.status_code == 404


async def test_errors_come_in_xml_when_asked(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.get(f"{repo.hooks}/999999", params=repo.query(), headers=XML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert root.findtext("Success") == "false"
    assert root.findtext("ErrorCode") == "NOT_FOUND"
    assert root.findtext("ErrorMessage")
    assert root.findtext("RequestId")


async def test_wrong_method_is_an_envelope_405(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.patch(f"{repo.hooks}/1", params=repo.query(), json={})
    assert r.status_code == 405 and r.json()["Success"] is False


async def test_openapi_documents_the_face_names(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    create = spec["paths"]["/api/v3/projects/{ProjectId}/hooks"]["post"]
    names = {p["name"] for p in create["parameters"]}
    assert {"ProjectId", "AccessToken", "OrganizationId"} <= names
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    ref = next(item["$ref"] for item in schema.get("anyOf", [schema]) if "$ref" in item)
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"url", "push_events", "merge_reqeusts_events", "secret_token"} <= set(body["properties"])
    assert body["required"] == ["url"]


async def test_out_of_range_ids_are_4xx(client: httpx.AsyncClient, repo: Repo) -> None:
    huge = "99999999999999999999999"
    r = await client.get(f"{repo.hooks}/{huge}", params=repo.query())
    assert r.status_code in (400, 404) and r.json()["Success"] is False
    r = await client.get(f"/api/v3/projects/{huge}/hooks", params=repo.query())
    assert r.status_code == 404 and r.json()["ErrorCode"] == "NOT_FOUND"
    r = await client.get(f"{repo.hooks}/-1", params=repo.query())
    assert r.status_code in (400, 404)
