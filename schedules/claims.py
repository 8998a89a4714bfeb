"""The ledger side of the engine: claims, per-post leases, heartbeats, recovery, expiry.

Everything here is a short transaction that is a compare-and-set on the post's state and lease
owner, so several workers (threads of one process, processes, machines on one PostgreSQL)
never take the same post and never write over each other's claim.

A lane claim takes only what free lanes can start now, one post per endpoint that is not busy
anywhere (no other worker holds a claimed post there): a worker killed mid-run leaves at most
one unknown post per lane, and two workers never stream to one mount at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, text, update

from schedules.models import (
    CLAIMED,
    EXPIRED,
    OPEN_STATES,
    LogEntry,
    Post,
    UTCDateTime,
    Worker,
    rowcount,
    table,
)
from schedules.models import Campaign as CampaignRow

EMERGENCY = 2
POSTS = table(Post)
LOG = insert(table(LogEntry))
OPEN_SQL = "state IN ('pending', 'retry')"
"""Must match the WHERE of the partial indexes ix_posts_queue, ix_posts_urgent, ix_posts_open_expiry."""

_HEARTBEAT = (
    update(POSTS)
    .where(POSTS.c.id.in_(bindparam("b_ids", expanding=True)), POSTS.c.state == CLAIMED,
           POSTS.c.lease_owner == bindparam("b_owner"))
    .values(lease_expires_at=bindparam("b_until", type_=UTCDateTime))
    .returning(POSTS.c.id)
)


def due_query(now: datetime, *, urgent: bool | None, emergency_only: bool = False,
              until: datetime | None = None) -> Any:
    """Open, due, unexpired posts of approved campaigns, in the order they should go out.

    The state and priority conditions are literal SQL, the same text as the partial indexes'
    WHERE: a planner can only use a partial index when it sees the query implies it.
    """
    campaigns = table(CampaignRow)
    due = (
        select(POSTS.c.id, POSTS.c.endpoint_id, POSTS.c.priority, POSTS.c.available_at)
        .join(campaigns, campaigns.c.id == POSTS.c.campaign_id)
        .where(text(f"posts.{OPEN_SQL}"), POSTS.c.available_at <= (until or now),
               or_(POSTS.c.expires_at.is_(None), POSTS.c.expires_at > now),
               campaigns.c.approved_hash == campaigns.c.definition_hash)
    )
    if emergency_only:
        # "priority > 0" repeats the urgent index's own term: SQLite only uses a partial
        # index when the query names its WHERE terms (it does not infer them from >= 2).
        return due.where(text(f"posts.priority > 0 AND posts.priority >= {EMERGENCY}")
                         ).order_by(POSTS.c.available_at)
    if urgent:
        return due.where(text("posts.priority > 0")).order_by(
            POSTS.c.priority.desc(), POSTS.c.available_at)
    if urgent is False:
        return due.where(text("posts.priority = 0")).order_by(POSTS.c.available_at)
    return due.order_by(POSTS.c.available_at)


_TAKE = (
    update(POSTS)
    .where(POSTS.c.id.in_(bindparam("b_ids", expanding=True)),
           POSTS.c.state.in_(OPEN_STATES))
    .values(state=CLAIMED, lease_owner=bindparam("b_owner"),
            lease_expires_at=bindparam("b_until", type_=UTCDateTime),
            attempts=POSTS.c.attempts + 1, updated_at=bindparam("b_now", type_=UTCDateTime))
    .returning(POSTS.c.id)
)
"""A claim: compare-and-set on the open state. Built once: no statement construction per post."""


def take(conn: Connection, ids: list[int], now: datetime, *, owner: str,
         lease: timedelta) -> list[int]:
    """Turn chosen open posts into our leases (compare-and-set on the open state)."""
    if not ids:
        return []
    taken = list(conn.scalars(_TAKE, {"b_ids": ids, "b_owner": owner, "b_until": now + lease,
                                      "b_now": now}))
    if taken:
        conn.execute(LOG, [{"at": now, "campaign_id": None, "post_id": pid, "endpoint_id": None,
                            "event": "claimed", "actor": owner, "detail": {}} for pid in taken])
    return taken


def claim_for_lanes(conn: Connection, now: datetime, *, owner: str, lease: timedelta,
                    limit: int, busy: Collection[str], emergency: bool,
                    postgres: bool, ahead: Mapping[str, float] | None = None,
                    multi: Collection[str] = ()) -> list[tuple[int, str, int]]:
    """Claim at most ``limit`` posts, at most one per endpoint, none for a busy endpoint.

    ``busy`` are endpoints this worker will not start now (its own deliveries there fill the
    endpoint's allowance); endpoints where another worker holds a claimed post are skipped in
    SQL. Emergency claims may take an endpoint this worker is busy with: the caller cuts the
    delivery in progress there first. ``ahead`` are endpoints whose adapter takes a post
    that many seconds before it is due and waits itself (a live stream that must start on
    the second); other endpoints get only what is due now.
    """
    ahead = ahead or {}
    until = now + timedelta(seconds=max(ahead.values(), default=0.0))
    if limit <= 0:
        return []
    # Endpoints in flight: at another worker's, or — for normal work — at ours too (a lane
    # may have moved to an endpoint since the caller listed its busy ones); ``multi``
    # endpoints allow several deliveries at once and count only other workers'.
    claimed_elsewhere = select(POSTS.c.endpoint_id).where(text("posts.state = 'claimed'"))
    if emergency:
        claimed_elsewhere = claimed_elsewhere.where(POSTS.c.lease_owner != owner)
    elif multi:
        claimed_elsewhere = claimed_elsewhere.where(or_(
            POSTS.c.lease_owner != owner, POSTS.c.endpoint_id.not_in(list(multi))))
    picked: list[tuple[int, str, int]] = []
    seen = set(busy)
    for urgent in ((None,) if emergency else (True, False)):
        if len(picked) >= limit:
            break
        stmt = due_query(now, urgent=urgent, emergency_only=emergency, until=until)
        stmt = stmt.where(POSTS.c.endpoint_id.not_in(claimed_elsewhere))
        if seen:
            stmt = stmt.where(POSTS.c.endpoint_id.not_in(list(seen)))
        stmt = stmt.limit(limit * 8 + 16)
        if postgres:
            stmt = stmt.with_for_update(skip_locked=True, of=POSTS)
        for pid, endpoint, priority, available_at in conn.execute(stmt):
            early = (available_at - now).total_seconds()
            if early > 0 and early > ahead.get(endpoint, 0.0):
                continue
            if endpoint not in seen and len(picked) < limit:
                seen.add(endpoint)
                picked.append((pid, endpoint, priority))
    if postgres:
        free = lock_endpoints(conn, {e for _, e, _ in picked}, owner=owner, multi=multi)
        picked = [row for row in picked if row[1] in free]
    chosen = {row[0]: row for row in picked}
    return [chosen[pid] for pid in
            take(conn, list(chosen), now, owner=owner, lease=lease)]


_ENDPOINT_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('campaign-endpoint:' || :e))")


def lock_endpoints(conn: Connection, endpoints: Collection[str], *, owner: str,
                   multi: Collection[str] = ()) -> set[str]:
    """PostgreSQL: the endpoints among ``endpoints`` this transaction may start a delivery on.

    Two workers claiming at the same instant both see no claimed post for an endpoint (neither
    claim is committed yet) and, with SKIP LOCKED, take different posts of it — Icecast then
    refuses the second source. So a claim holds a transaction-level advisory lock per endpoint
    until it commits, and, once it holds it, looks again (a new statement sees what the other
    committed) for a delivery in flight there at another worker's. ``multi`` endpoints allow
    several deliveries at once and are not locked.
    """
    got = {e for e in endpoints if e in multi or conn.scalar(_ENDPOINT_LOCK, {"e": e})}
    single = [e for e in got if e not in multi]
    if single:
        got -= set(conn.scalars(select(POSTS.c.endpoint_id).where(
            text("posts.state = 'claimed'"), POSTS.c.lease_owner != owner,
            POSTS.c.endpoint_id.in_(single))))
    return got


FOLLOW_WINDOW = 64
"""How far down the due order a lane looks for its endpoint's next post (see claim_next)."""


_NOW = bindparam("b_now", type_=UTCDateTime)
_HEAD = due_query(_NOW, urgent=None).limit(FOLLOW_WINDOW)  # type: ignore[arg-type]
"""The first due posts in due order (no row locks: take() is a compare-and-set)."""


_CLAIMED_ENDPOINTS = select(POSTS.c.endpoint_id).where(text("posts.state = 'claimed'")).distinct()
"""Endpoints with a delivery in flight anywhere (walks the small ix_posts_leases)."""


def claim_next(conn: Connection, wants: Collection[tuple[str, Collection[str]]],
               now: datetime, *, owner: str, lease: timedelta) -> dict[str, int]:
    """Claim the next post for each lane that has just recorded an outcome (in the same
    transaction); ``wants`` holds each lane's endpoint and the endpoints it may move to.

    A lane keeps its endpoint: it takes that endpoint's next due normal/priority post. When
    its endpoint has none in turn, it moves to the first post in due order (urgent first) of
    an endpoint it may move to where nothing is in flight — what the control loop would claim
    next, without a control-loop turn or a new thread. Only posts among the first
    ``FOLLOW_WINDOW`` due posts qualify, so a lane keeps its endpoint only while that
    endpoint's turn would come anyway (no starvation) and the search is bounded. Emergencies
    are left to the control loop, which cuts and claims them. One head query serves all lanes.
    """
    if not wants:
        return {}
    head = [row for row in conn.execute(_HEAD, {"b_now": now}) if row[2] < EMERGENCY]
    head.sort(key=lambda row: -row[2])  # stable: urgent first, then due order
    own = {endpoint for endpoint, _ in wants}
    picked: dict[str, int] = {}  # lane's endpoint → post
    used: set[str] = set()
    for _pid, endpoint, _, _ in head:
        if endpoint in own and endpoint not in used:
            picked[endpoint] = _pid
            used.add(endpoint)
    movers = [(endpoint, allowed) for endpoint, allowed in wants
              if endpoint not in picked and allowed]
    if movers:
        busy = set(conn.scalars(_CLAIMED_ENDPOINTS)) | used | own
        moved: dict[str, str] = {}
        for endpoint, allowed in movers:
            for _pid, other, _, _ in head:
                if other not in busy and other in allowed:
                    picked[endpoint] = _pid
                    moved[endpoint] = other
                    busy.add(other)
                    break
        if moved and conn.dialect.name == "postgresql":
            free = lock_endpoints(conn, set(moved.values()), owner=owner)
            for endpoint, other in moved.items():
                if other not in free:
                    del picked[endpoint]
    by_id = {pid: endpoint for endpoint, pid in picked.items()}
    taken = take(conn, list(by_id), now, owner=owner, lease=lease)
    return {by_id[pid]: pid for pid in taken}


_EMERGENCIES = due_query(_NOW, urgent=None, emergency_only=True).with_only_columns(  # type: ignore[arg-type]
    POSTS.c.endpoint_id).distinct().order_by(None)


def emergency_endpoints(conn: Connection, now: datetime) -> set[str]:
    """Endpoints with a due emergency waiting (tiny: walks the urgent partial index)."""
    return set(conn.scalars(_EMERGENCIES, {"b_now": now}))


def heartbeat(conn: Connection, ids: Iterable[int], now: datetime, *, owner: str,
              lease: timedelta) -> set[int]:
    """Renew our leases on posts in flight; returns the ids whose lease is still ours."""
    ids = list(ids)
    if not ids:
        return set()
    return set(conn.scalars(_HEARTBEAT, {"b_ids": ids, "b_owner": owner,
                                         "b_until": now + lease}))


def expire_open(conn: Connection, now: datetime) -> int:
    """Open posts whose window has closed become ``expired``, held ones included.

    A post held back by a platform pause may carry an ``available_at`` beyond its window; the
    search walks ``ix_posts_open_expiry`` (open posts by window end) so it finds those too.
    """
    rows = conn.execute(
        select(POSTS.c.id, POSTS.c.campaign_id, POSTS.c.endpoint_id, POSTS.c.expires_at)
        .where(text(f"posts.{OPEN_SQL}"), POSTS.c.expires_at.is_not(None),
               POSTS.c.expires_at <= now)).all()
    done = 0
    for row in rows:
        result = conn.execute(update(POSTS).where(
            POSTS.c.id == row.id, POSTS.c.state.in_(OPEN_STATES))
            .values(state=EXPIRED, updated_at=now))
        if rowcount(result):
            done += 1
            conn.execute(LOG, {"at": now, "campaign_id": row.campaign_id, "post_id": row.id,
                               "endpoint_id": row.endpoint_id, "event": "expired",
                               "actor": None,
                               "detail": {"expires_at": row.expires_at.isoformat()}})
    return done


# --------------------------------------------------------------------------- workers
WORKERS = table(Worker)


def publish_worker(conn: Connection, *, owner: str, host: str, pid: int, lanes: int,
                   started_at: datetime, now: datetime, jobs: list[dict[str, Any]],
                   fault: str | None) -> None:
    """Upsert this worker's row: what each lane is delivering now, for ``campaign status``."""
    values = {"host": host, "pid": pid, "lanes": lanes, "started_at": started_at,
              "heartbeat_at": now, "jobs": jobs, "fault": fault}
    done = conn.execute(update(WORKERS).where(WORKERS.c.owner == owner).values(**values))
    if not rowcount(done):
        conn.execute(insert(WORKERS).values(owner=owner, **values))


def forget_worker(conn: Connection, owner: str) -> None:
    conn.execute(delete(WORKERS).where(WORKERS.c.owner == owner))
