"""Synchronous policies off the event loop, under a deadline enforced while they run.

A synchronous policy that is not known to be cheap (anything but the shipped
builtins, and ``pattern_policy`` when it reads a file) runs on a worker
thread.  The event loop waits for it no longer than its
deadline; at the deadline the policy's verdict is the fail-closed one (DENY
naming the policy, or its explicit ``on_error``) and the thread is abandoned:
Python cannot stop a thread, so it runs to completion and its answer is
dropped.  Consecutive off-loop policies of a chain run as one job on one thread
(one hand-off per run, not per policy); the job reports which policy it is in,
so each policy gets its own deadline.  The loop first blocks for at most
:data:`QUICK_WAIT_S` on the job (a wait that releases the GIL, so a quick policy
answers with no wake-up round trip and no GIL convoy under load), then waits
asynchronously: a hung policy costs other sessions at most that once per event.

Abandoned threads are accounted so that hung policies cannot take the pool from
everyone: a compiled policy may hold at most :data:`PER_POLICY` abandoned
threads for one user (whose events they were) and :data:`PER_POLICY_ALL` for all
users together, and a session at most :data:`PER_SESSION`; past any of them, the
policy (or every off-loop policy of that session) is refused at once without
running, until a thread comes back: for a server-wide policy a DENY whatever its
``on_error`` (``dispatch.not_run``), which answers for the policy's own failures, never for a
refusal events can provoke.  The per-user count keeps one user's input that makes
the admin's policy hang from having that policy refused in every other user's
sessions; only users together reaching :data:`PER_POLICY_ALL` (the bound that
keeps the operator's pool) do.  A session's count is kept per level, and a policy
is refused only for threads of its own level or a higher one: a lower level's
hung policies (a user's slow session policies, an agent spec's) never make a
higher level's policy "not run" (DENY, where it would have judged the call; DESIGN
decision 10, lower levels only tighten).

The pools are shared by every session of the process, so no class of work may
take them from another (docs/server.md, "Isolation between sessions").  The
operator's policies (server and agent level) run on :data:`OPERATOR_WORKERS`
threads of their own, which no session's policies reach; one user's events hold at
most :data:`OPERATOR_PER_USER` of them (counted per level like the abandoned
threads: a server-level job counts the user's server-level jobs, an agent-level
job those and the agent level's), so a user whose input makes the operator's
policies slow or hang — or who sends many events at once — waits for its own
jobs and never makes another user's operator policies wait for a thread (past
:data:`QUEUE_WAIT_S`, answered by their ``on_error``).  Session-level policies
run on :data:`WORKERS` threads, of which one user's jobs hold at most
:data:`PER_USER` at once (queued, running or abandoned); a user's job past that
waits for one of the user's own to end, and that wait counts against its first
policy's deadline.  A job queued for a thread (others' jobs hold them) is not
charged for it: its policies' deadlines count from when a thread takes it up,
and only a queue wait past :data:`QUEUE_WAIT_S` fails it closed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Hashable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from time import perf_counter
from typing import Any

from goalrail.engine.chain import CompiledPolicy
from goalrail.engine.decision import PolicyDecision
from goalrail.engine.dispatch import ABSTAIN, call_sync, failed, not_run
from goalrail.jsontypes import JsonObject

WORKERS = 32
#: The operator's off-loop policies (server and agent level) run on threads of their own.
OPERATOR_WORKERS = 8
#: Abandoned threads one compiled policy may hold for one user's events ...
PER_POLICY = 2
#: ... and for every user's together (a user's share never refuses it for the others alone).
PER_POLICY_ALL = 2 * PER_POLICY
PER_SESSION = 4
#: Threads of :data:`WORKERS` one user's session-level jobs may hold at once (queued,
#: running or abandoned): the other users always find the rest.
PER_USER = 8
#: Threads of :data:`OPERATOR_WORKERS` one user's server-level jobs may hold at once (queued,
#: running or abandoned); agent-level jobs count with the server-level ones.
OPERATOR_PER_USER = 2
#: How long a job may wait queued for a thread (taken by other users' jobs) before it
#: fails closed; its policies' deadlines count from when a thread takes it up.
QUEUE_WAIT_S = 30.0
_QUEUED_POLL_S = 0.02
#: How long the loop blocks (without the GIL) for a job before waiting asynchronously.
QUICK_WAIT_S = 0.002

_Job = Future[list[PolicyDecision]]


class _Abandoned:
    """Threads past their deadline, per compiled policy and per session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Hashable, int] = {}

    def count(self, key: Hashable) -> int:
        return self._counts.get(key, 0)

    def charge(self, keys: Sequence[Hashable], job: Future[Any]) -> None:
        with self._lock:
            for key in keys:
                self._counts[key] = self._counts.get(key, 0) + 1

        def release(_: Future[Any]) -> None:
            with self._lock:
                for key in keys:
                    left = self._counts.get(key, 0) - 1
                    if left > 0:
                        self._counts[key] = left
                    else:
                        self._counts.pop(key, None)

        job.add_done_callback(release)


class _Held:
    """Jobs on a pool (queued, running or abandoned), per user (and, on the operator's pool,
    per user and level)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[Hashable, set[_Job]] = {}

    def jobs(self, key: Hashable) -> list[_Job]:
        with self._lock:
            return list(self._jobs.get(key, ()))

    def hold(self, keys: Sequence[Hashable], job: _Job) -> None:
        with self._lock:
            for key in keys:
                self._jobs.setdefault(key, set()).add(job)

        def release(_: _Job) -> None:
            with self._lock:
                for key in keys:
                    held = self._jobs.get(key)
                    if held is not None:
                        held.discard(job)
                        if not held:
                            del self._jobs[key]

        job.add_done_callback(release)


ABANDONED = _Abandoned()
HELD = _Held()
#: the operator's pool: per (user, level), a job held under its own level's key and every lower one's
OPERATOR_HELD = _Held()
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="goalrail-policy")
_operator_pool = ThreadPoolExecutor(max_workers=OPERATOR_WORKERS, thread_name_prefix="goalrail-operator")


class _Progress:
    """Where a job is: ``at`` = (the run's index of the policy running, when it
    started), replaced as one object so the loop never reads half an update."""

    __slots__ = ("abandoned", "at", "done")

    def __init__(self) -> None:
        self.at: tuple[int, float | None] = (0, None)
        self.abandoned = False
        self.done: list[PolicyDecision] = []


def _run(
    policies: Sequence[CompiledPolicy], event: JsonObject, states: Mapping[str, Any], prog: _Progress
) -> list[PolicyDecision]:
    """The worker: call each policy in turn; stop after a DENY or when abandoned."""
    for k, policy in enumerate(policies):
        if prog.abandoned:
            break
        state = states.get(policy.ns)
        event["policy_state"] = {} if state is None else state  # (an empty dict of its own: ``evaluate``)
        started = perf_counter()
        prog.at = (k, started)
        try:
            d = call_sync(policy, event)
        except BaseException as exc:  # SystemExit & co. must not escape a worker thread
            d = failed(policy, f"raised {type(exc).__name__}", (perf_counter() - started) * 1e6)
        prog.done.append(d)
        if policy.shadow or d.verdict == ABSTAIN:
            continue
        if d.verdict == "DENY":
            break
        if d.data is not None:
            event["data"] = d.data
    return prog.done


def _session(event: Mapping[str, object]) -> str | None:
    ctx = event.get("context")
    sid = ctx.get("session_id") if isinstance(ctx, Mapping) else None
    return sid if isinstance(sid, str) else None


def _user(event: Mapping[str, object], session: str | None) -> str:
    """Whose session-level work this is: the authenticated user (the session's owner when
    none is given), else the session."""
    ctx = event.get("context")
    actor = ctx.get("actor") if isinstance(ctx, Mapping) else None
    if isinstance(actor, Mapping):
        who = actor.get("user") or actor.get("run_as")
        if isinstance(who, str) and who:
            return who
    return f"session:{session}"


def _shares(user: str, level: str) -> tuple[_Held, Hashable, list[Hashable], int]:
    """Where a job of ``level`` for ``user`` is held: the pool's count, the key it is admitted
    against, the keys it is held under, and the share."""
    if level == "session":
        return HELD, user, [user], PER_USER
    own = "agent" if level == "agent" else "server"
    return OPERATOR_HELD, (user, own), [(user, lv) for lv in _OPERATOR_CHARGED[own]], OPERATOR_PER_USER


async def _admit(held_by: _Held, key: Hashable, share: int, policy: CompiledPolicy) -> PolicyDecision | None:
    """Wait until ``key`` (a user, or a user's level) holds fewer than ``share`` threads, as long
    as ``policy``'s deadline: past it, the fail-closed decision (its own jobs held them meanwhile)."""
    since = perf_counter()
    while len(held := held_by.jobs(key)) >= share:
        remaining = policy.timeout_s - (perf_counter() - since)
        if remaining <= 0:
            why = f"this user's sessions held {share} policy threads until its deadline"
            return not_run(policy, why, (perf_counter() - since) * 1e6)
        await asyncio.wait(
            [asyncio.wrap_future(j) for j in held], timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )
    return None


#: The counts a policy of each level, past its deadline, is charged to: its own level's and every
#: lower level's.  A policy is checked against its own level's count alone (one lookup): the threads
#: held at its level or above, never those of a level below it.
_CHARGED = {"server": ("server", "agent", "session"), "agent": ("agent", "session"), "session": ("session",)}
_OPERATOR_CHARGED = {"server": ("server", "agent"), "agent": ("agent",)}


def _session_keys(session: str, level: str) -> list[Hashable]:
    return [("session", session, lv) for lv in _CHARGED.get(level, _CHARGED["server"])]


def _own(level: str) -> str:
    """The count a policy of ``level`` is checked against (a level not known: every level's)."""
    return level if level in _CHARGED else "session"


def over_quota(policy: CompiledPolicy, session: str | None, user: str | None = None) -> PolicyDecision | None:
    """The immediate refusal (the policy's ``on_error``) for a policy, or a session, holding too
    many abandoned threads.  A policy's threads count per user (``user``: whose event this is)
    and, with a higher bound, for all users: one user's hung calls never refuse it for another.
    A session's threads count only when held at the policy's level or above: a lower level
    cannot make a higher level's policy answer by its ``on_error``."""
    if ABANDONED.count((id(policy), user)) >= PER_POLICY:
        why = f"{PER_POLICY} earlier calls are still running past their deadline"
    elif ABANDONED.count(id(policy)) >= PER_POLICY_ALL:
        why = f"{PER_POLICY_ALL} earlier calls (of several users) are still running past their deadline"
    elif session is not None and ABANDONED.count(("session", session, _own(policy.spec.level))) >= PER_SESSION:
        why = f"this session has {PER_SESSION} policy calls still running past their deadline"
    else:
        return None
    return not_run(policy, why, 0.0)


async def run_offloaded(
    policies: Sequence[CompiledPolicy], event: Mapping[str, Any], states: Mapping[str, Any]
) -> list[PolicyDecision]:
    """Run consecutive off-loop policies on one worker thread, each under its deadline.

    Returns their decisions in order, ending early after a DENY (as the chain
    would).  A policy past its deadline gets the fail-closed decision; when that
    is not a DENY (an explicit ``on_error``) the rest of the run continues on a
    fresh job.  Session-level policies and the operator's (server, agent) never
    share a job: each class runs on its own pool.
    """
    out: list[PolicyDecision] = []
    session = _session(event)
    owner = _user(event, session)
    start = 0
    while start < len(policies):
        refused = over_quota(policies[start], session, owner)
        if refused is None:
            end = start + 1
            level = policies[start].spec.level
            # one level per job: each level's jobs are held (and admitted) against its own share
            while (
                end < len(policies)
                and policies[end].spec.level == level
                and over_quota(policies[end], session, owner) is None
            ):
                end += 1
            batch = policies[start:end]
            users = level == "session"
            held_by, key, keys, share = _shares(owner, level)
            refused = await _admit(held_by, key, share, batch[0])
        if refused is not None:
            out.append(refused)
            if refused.verdict == "DENY":
                return out
            start += 1
            continue
        prog = _Progress()
        job: Future[list[PolicyDecision]] = (_pool if users else _operator_pool).submit(
            _run, batch, dict(event), states, prog
        )
        held_by.hold(keys, job)
        decided, stop = await _outcome(batch, job, prog, session, owner)
        out.extend(decided)
        if stop:
            return out
        for policy, d in zip(batch, decided, strict=False):  # the next job sees what these passed on
            if d.data is not None and d.verdict != ABSTAIN and not policy.shadow:
                event = {**event, "data": d.data}
        start += len(decided)
    return out


async def _outcome(
    batch: Sequence[CompiledPolicy],
    job: Future[list[PolicyDecision]],
    prog: _Progress,
    session: str | None,
    owner: str,
) -> tuple[list[PolicyDecision], bool]:
    """A job's decisions, each policy's deadline counted from when it started on its thread,
    and whether the run ends with them (a DENY).  A job still queued after
    :data:`QUEUE_WAIT_S` (no thread came free) is withdrawn: its first policy fails closed."""
    submitted = perf_counter()
    try:
        # A short blocking wait first: the loop thread sleeps without the GIL, so a
        # quick policy finishes at once, with no wake-up round trip through the loop.
        done = job.result(timeout=min(QUICK_WAIT_S, batch[0].timeout_s))
    except FutureTimeout:
        pass
    else:
        return done, bool(done) and done[-1].verdict == "DENY" and not batch[len(done) - 1].shadow
    waiting = asyncio.wrap_future(job)
    while True:
        at = prog.at
        k, since = at
        if since is None:  # queued: the threads are others' (a user's own excess waits in _admit)
            remaining = QUEUE_WAIT_S - (perf_counter() - submitted)
            step = min(max(remaining, 0.0), _QUEUED_POLL_S)
        else:
            remaining = step = batch[k].timeout_s - (perf_counter() - since)
        try:
            done = await asyncio.wait_for(asyncio.shield(waiting), timeout=max(step, 0.0))
        except TimeoutError:
            if prog.at is not at:
                continue  # it moved on (or started) meanwhile
            if since is None:
                if remaining > _QUEUED_POLL_S or not job.cancel():  # (cancel fails: it just started)
                    continue
                waiting.add_done_callback(_consume)
                d = not_run(batch[0], f"no policy thread came free within {QUEUE_WAIT_S:.0f} s", 0.0)
                return [d], d.verdict == "DENY"
            prog.abandoned = True
            late = batch[k]
            keys: list[Hashable] = [id(late), (id(late), owner)]
            if session is not None:
                keys += _session_keys(session, late.spec.level)
            ABANDONED.charge(keys, job)
            waiting.add_done_callback(_consume)
            # The same reason as a policy that returned late: whether it was still
            # running at the deadline is timing, and a replay must read the same.
            d = failed(late, f"exceeded its deadline of {late.timeout_s * 1000:.0f} ms", (perf_counter() - since) * 1e6)
            return [*prog.done[:k], d], d.verdict == "DENY"
        return done, bool(done) and done[-1].verdict == "DENY" and not batch[len(done) - 1].shadow


def _consume(fut: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned job's outcome so it is never reported as unhandled."""
    if not fut.cancelled():
        fut.exception()
