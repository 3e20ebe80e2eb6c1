"""Hooks with encrypted secrets, and their health (latest result, failures, disabled state)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, update

from forgehooks.core.clock import as_utc
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import (
    ALL_BRANCHES,
    BranchFilter,
    BranchFilterStrategy,
    Hook,
    HookHealth,
    HookSpec,
    SecretScheme,
)
from forgehooks.core.ids import new_uuid, storable_id
from forgehooks.store.driver import Connection
from forgehooks.store.secrets import SecretBox
from forgehooks.store.tables import hooks

LIVE = hooks.c.deleted_at.is_(None)
#: Where each column sits in a hook row: every row `_hook` reads starts with the table's
#: columns in table order (`select(hooks)`, `returning(*hooks.c)`), extra columns after.
AT = {column.name: position for position, column in enumerate(hooks.c)}

# The API's reads, built once: SQLAlchemy then finds their compiled form without rebuilding
# the statement and its cache key on every request.
BY_ID = select(hooks).where(hooks.c.id == bindparam("hook_id"), LIVE)
BY_UUID = select(hooks).where(hooks.c.uuid == bindparam("hook_uuid"), LIVE)
COUNT = select(func.count()).select_from(hooks).where(hooks.c.project_id == bindparam("project_id"), LIVE)
#: A page with the project's total on every row: one statement instead of page + count. An
#: uncorrelated subquery is counted once; a window count(*) OVER () sorted every row (7x slower).
PAGE = (
    select(hooks, COUNT.correlate(None).scalar_subquery().label("total"))
    .where(hooks.c.project_id == bindparam("project_id"), LIVE)
    .order_by(hooks.c.id)
    .offset(bindparam("offset", type_=Integer))
    .limit(bindparam("limit", type_=Integer))
)


def _spec_values(spec: HookSpec, box: SecretBox) -> dict[str, Any]:
    return {
        "url": spec.url,
        "events": sorted(k.value for k in spec.events),
        "branch_filter_strategy": spec.branch_filter.strategy.value,
        "branch_filter_pattern": spec.branch_filter.pattern,
        "secret_encrypted": box.encrypt(spec.secret),
        "secret_scheme": spec.secret_scheme.value,
        "ssl_verify": spec.ssl_verify,
        "content_type": spec.content_type,
        "name": spec.name,
        "description": spec.description,
        "active": spec.active,
        "standard_webhooks": spec.standard_webhooks,
        "extras": dict(spec.extras),
        "custom_headers_encrypted": box.encrypt(json.dumps(dict(spec.custom_headers)))
        if spec.custom_headers
        else "",
        "url_variables_encrypted": box.encrypt(json.dumps(dict(spec.url_variables)))
        if spec.url_variables
        else "",
        "ordered": spec.ordered,
    }


def _opt_time(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


#: Stored kind names to kinds; names of kinds no longer known are skipped.
KIND_BY_VALUE = {kind.value: kind for kind in EventKind}
SCHEME_BY_VALUE = {scheme.value: scheme for scheme in SecretScheme}
STRATEGY_BY_VALUE = {strategy.value: strategy for strategy in BranchFilterStrategy}
#: Hooks share a handful of event sets: each stored list is converted once.
_KINDS: dict[tuple[str, ...], frozenset[EventKind]] = {}
KINDS_CACHE_SIZE = 4096


def kinds_of(stored: Sequence[str]) -> frozenset[EventKind]:
    """The kinds of a stored list of kind names (remembered: the same lists come back)."""
    key = tuple(stored)
    found = _KINDS.get(key)
    if found is None:
        found = frozenset(KIND_BY_VALUE[k] for k in key if k in KIND_BY_VALUE)
        if len(_KINDS) >= KINDS_CACHE_SIZE:
            _KINDS.clear()
        _KINDS[key] = found
    return found


def branch_filter_of(strategy: str, pattern: str) -> BranchFilter:
    """A stored branch filter (most hooks have none: the shared ALL_BRANCHES)."""
    if strategy == ALL_BRANCHES.strategy and pattern == ALL_BRANCHES.pattern:
        return ALL_BRANCHES
    return BranchFilter(strategy=STRATEGY_BY_VALUE[strategy], pattern=pattern)


class HookRepository:
    """Hooks of projects; secrets are decrypted only when asked for."""

    def __init__(self, conn: Connection, box: SecretBox) -> None:
        self.conn = conn
        self.box = box

    def _hook(self, row: Any, with_secret: bool = True) -> Hook:
        # Every listed hook passes here. Columns are read by position (a Row's attribute
        # lookup costs 25 times more) and converted through tables, not constructors.
        at = row.__getitem__
        return Hook(
            id=at(AT["id"]),
            uuid=at(AT["uuid"]),
            project_id=at(AT["project_id"]),
            url=at(AT["url"]),
            events=kinds_of(at(AT["events"])),
            branch_filter=branch_filter_of(at(AT["branch_filter_strategy"]), at(AT["branch_filter_pattern"])),
            secret=self.box.decrypt(at(AT["secret_encrypted"])) if with_secret else "",
            secret_scheme=SCHEME_BY_VALUE[at(AT["secret_scheme"])],
            ssl_verify=at(AT["ssl_verify"]),
            content_type=at(AT["content_type"]),
            name=at(AT["name"]),
            description=at(AT["description"]),
            active=at(AT["active"]),
            standard_webhooks=at(AT["standard_webhooks"]),
            extras=at(AT["extras"]) or {},
            custom_headers=self._secret_map(at(AT["custom_headers_encrypted"]), with_secret),
            url_variables=self._secret_map(at(AT["url_variables_encrypted"]), with_secret),
            ordered=at(AT["ordered"]),
            previous_secret=self.box.decrypt(at(AT["previous_secret_encrypted"])) if with_secret else "",
            previous_secret_until=_opt_time(at(AT["previous_secret_until"])),
            dialect=at(AT["dialect"]),
            created_at=as_utc(at(AT["created_at"])),
            updated_at=as_utc(at(AT["updated_at"])),
            last_status_code=at(AT["last_status_code"]),
            last_message=at(AT["last_message"]),
            last_at=_opt_time(at(AT["last_at"])),
            consecutive_failures=at(AT["consecutive_failures"]),
            disabled_until=_opt_time(at(AT["disabled_until"])),
            disabled=at(AT["disabled"]),
        )

    def _listed(self, row: Sequence[Any]) -> tuple[Hook, int]:
        """A hook of a page, and the total that comes with it (PAGE's last column)."""
        return self._hook(row), int(row[len(hooks.c)])

    def _secret_map(self, cipher: str, with_secret: bool) -> dict[str, str]:
        """An encrypted name -> value map; without secrets the names stay, values are empty."""
        if not cipher:
            return {}
        values: dict[str, str] = json.loads(self.box.decrypt(cipher))
        return values if with_secret else dict.fromkeys(values, "")

    async def rotate_secret(
        self, hook_id: int, new_secret: str, old_secret: str, until: datetime, now: datetime
    ) -> None:
        """Sign with `new_secret` from now on, and with `old_secret` as well until `until`."""
        await self.conn.execute(
            update(hooks)
            .where(hooks.c.id == hook_id)
            .values(
                secret_encrypted=self.box.encrypt(new_secret),
                previous_secret_encrypted=self.box.encrypt(old_secret),
                previous_secret_until=until,
                updated_at=now,
            )
        )

    async def create(self, project_id: int, spec: HookSpec, dialect: str, now: datetime) -> Hook:
        """Insert a hook made through `dialect`."""
        values = _spec_values(spec, self.box) | {
            "uuid": new_uuid(),
            "project_id": project_id,
            "dialect": dialect,
            "created_at": now,
            "updated_at": now,
            "last_message": "",
            "consecutive_failures": 0,
            "disabled": False,
        }
        row = (await self.conn.execute(hooks.insert().values(**values).returning(*hooks.c))).one()
        return self._hook(row)

    async def replace(self, hook: Hook, spec: HookSpec, now: datetime, *, reenable: bool) -> Hook:
        """Write a hook's new settings; `reenable` also clears its failures and disabled state."""
        values = _spec_values(spec, self.box) | {"updated_at": now}
        if spec.secret != hook.secret:  # set outright, not rotated: the old one stops signing now
            values |= {"previous_secret_encrypted": "", "previous_secret_until": None}
        if reenable:
            values |= {
                "consecutive_failures": 0,
                "disabled_until": None,
                "disabled": False,
                "alerted_disabled": False,
                "alerted_until": None,
            }
        query = update(hooks).where(hooks.c.id == hook.id).values(**values).returning(*hooks.c)
        return self._hook((await self.conn.execute(query)).one())

    async def get(self, hook_id: int) -> Hook | None:
        """By numeric id."""
        if not storable_id(hook_id):
            return None
        found = await self.conn.fetch_each(BY_ID, {"hook_id": hook_id}, self._hook)
        return found[0] if found else None

    async def by_uuid(self, hook_uuid: str) -> Hook | None:
        """By UUID (GitFlic's hook id)."""
        found = await self.conn.fetch_each(BY_UUID, {"hook_uuid": hook_uuid}, self._hook)
        return found[0] if found else None

    async def many(self, hook_ids: Iterable[int]) -> dict[int, Hook]:
        """Several hooks by id, with secrets (for sending)."""
        ids = [i for i in set(hook_ids) if storable_id(i)]
        if not ids:
            return {}
        rows = await self.conn.execute(select(hooks).where(hooks.c.id.in_(ids), LIVE))
        return {r.id: self._hook(r) for r in rows}

    async def list(self, project_id: int, *, offset: int, limit: int) -> tuple[builtins.list[Hook], int]:
        """A page of a project's hooks by id, and the total."""
        values = {"project_id": project_id, "offset": offset, "limit": limit}
        listed = await self.conn.fetch_each(PAGE, values, self._listed)
        if listed:
            return [hook for hook, _ in listed], listed[0][1]
        if offset == 0:  # the first page is empty: so was the project at that moment
            return [], 0
        return [], await self.count(project_id)  # past the last page: counted on its own

    async def count(self, project_id: int) -> int:
        """How many hooks a project has."""
        return int((await self.conn.fetch(COUNT, {"project_id": project_id}))[0][0])

    async def subscribers(self, project_id: int) -> builtins.list[Hook]:
        """Every hook of a project, without decrypting secrets (fan-out needs none)."""
        rows = await self.conn.execute(select(hooks).where(hooks.c.project_id == project_id, LIVE))
        return [self._hook(r, with_secret=False) for r in rows]

    async def delete(self, hook_id: int, now: datetime) -> None:
        """Tombstone a hook: invisible everywhere, its delivery log kept."""
        await self.conn.execute(
            update(hooks)
            .where(hooks.c.id == hook_id)
            .values(deleted_at=now, active=False, secret_encrypted="")
        )

    async def record_health(
        self,
        hook_id: int,
        *,
        status_code: int | None,
        message: str,
        at: datetime,
        health: HookHealth | None,
    ) -> None:
        """Store a hook's latest result and, when given, its new failure state."""
        values: dict[str, Any] = {
            "last_status_code": status_code,
            "last_message": message,
            "last_at": at,
        }
        if health is not None:
            values |= {
                "consecutive_failures": health.consecutive_failures,
                "disabled_until": health.disabled_until,
                "disabled": health.disabled,
            }
        await self.conn.execute(update(hooks).where(hooks.c.id == hook_id).values(**values))
