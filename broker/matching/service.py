"""Use cases for matching: ranked matches, a constraint-by-constraint explanation, teams, allocation.

Whoever may read a plan may see its matches (brokers of the council, the holder and their
representatives); each use reads the plan, so each is recorded in the plan's read log. Batch
allocation is a broker's tool over their council's queue. Nothing here books anything.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from broker import events
from broker.accounts.actor import Actor
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.geography.postcodes import distance_km
from broker.matching import retrieval, rules
from broker.matching.allocation import AllocationProblem, AllocationResult, Option, solve
from broker.matching.scoring import (
    Evaluation,
    NeedSpec,
    PlanSpec,
    PreferenceSpec,
    ProviderFacts,
    evaluate,
    overlap_windows,
    rank,
)
from broker.matching.teams import Team, TeamCandidate, smallest_team
from broker.plans import service as plans
from broker.plans.models import PlanNeed, PlanReadPurpose, PlanStatus, SupportPlan
from broker.providers.models import Provider, ProviderKind
from broker.providers.service import get_provider


@dataclass(frozen=True)
class MatchList:
    plan: SupportPlan
    need: PlanNeed | None
    matches: list[Evaluation]
    considered: int


@dataclass(frozen=True)
class TeamProposal:
    plan: SupportPlan
    needs: list[PlanNeed]
    team: Team
    evaluations: dict[tuple[int, int], Evaluation]
    """(need ID, provider ID) -> the evaluation behind each member's share."""


@dataclass(frozen=True)
class PlanShortfall:
    plan: SupportPlan
    needed_hours: float
    allocated_hours: float

    @property
    def unmet_hours(self) -> float:
        return round(max(0.0, self.needed_hours - self.allocated_hours), 4)


@dataclass(frozen=True)
class AllocationProposal:
    result: AllocationResult
    needs: dict[int, PlanNeed]
    plans: list[PlanShortfall]
    providers: dict[int, Provider]


def plan_spec(details: plans.PlanDetails) -> PlanSpec:
    plan = details.plan
    assert plan.id is not None
    return PlanSpec(
        id=plan.id,
        latitude=plan.latitude,
        longitude=plan.longitude,
        needs=tuple(
            NeedSpec(
                id=need.id,  # type: ignore[arg-type]
                service_code=need.service_code,
                hours=need.hours_per_week,
                rate_pence=need.budgeted_rate_pence,
                windows=tuple((s.day, s.start_minute, s.end_minute) for s in details.slots[need.id]),  # type: ignore[index]
            )
            for need in details.needs
        ),
        preferences=tuple(PreferenceSpec(p.kind, p.value, p.strength) for p in details.preferences),
    )


async def _readable_plan(
    session: AsyncSession, actor: Actor, plan_id: int, operation: PlanReadPurpose, now: datetime
) -> tuple[plans.PlanDetails, PlanSpec]:
    plan = await plans.require_plan(
        session, actor=actor, plan_id=plan_id, field="planId", operation=operation, now=now
    )
    details = (await plans.plan_details(session, [plan]))[plan_id]
    return details, plan_spec(details)


def _chosen_needs(details: plans.PlanDetails, spec: PlanSpec, need_id: int | None) -> list[NeedSpec]:
    if need_id is not None:
        needs = [n for n in spec.needs if n.id == need_id]
        if not needs:
            raise NotFound("No need with this ID in this plan.", field="needId")
        return needs
    if not spec.needs:
        raise Conflict("This plan has no needs to match yet.", field="planId", code=ErrorCode.INCOMPLETE)
    return list(spec.needs)


async def matches_for_plan(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_id: int,
    need_id: int | None,
    first: int,
    today: date,
    now: datetime,
) -> MatchList:
    """Ranked providers who pass every hard constraint for the plan (or one need), best first.

    Over the whole plan a provider must offer every service and charge within every budgeted rate;
    ask per need to find providers for one part of it (or use `propose_team`).
    """
    if not 0 <= first <= rules.MAX_MATCHES:
        raise InvalidInput(
            f"`first` is 0 to {rules.MAX_MATCHES}.", field="first", code=ErrorCode.OUT_OF_RANGE
        )
    details, spec = await _readable_plan(session, actor, plan_id, PlanReadPurpose.MATCH, now)
    needs = _chosen_needs(details, spec, need_id)
    ids = await retrieval.plan_candidate_ids(
        session, spec, need_ids=[n.id for n in needs], all_services=True, today=today
    )
    facts = await retrieval.load_facts(
        session, ids, today=today, services_of_interest=[n.service_code for n in needs]
    )
    ranked = rank(evaluate(spec, needs, f, today, explain=False) for f in facts.values())
    await events.publish(
        events.Event.NO_CANDIDATE,
        session,
        details.plan,
        spec,
        needs,
        need_id,
        len(ranked),
        facts.values(),
        today=today,
        now=now,
    )
    shown = [evaluate(spec, needs, e.facts, today) for e in ranked[:first]]
    need = next((n for n in details.needs if n.id == need_id), None)
    return MatchList(plan=details.plan, need=need, matches=shown, considered=len(ids))


async def explain_match(
    session: AsyncSession, *, actor: Actor, plan_id: int, provider_id: int, today: date, now: datetime
) -> tuple[SupportPlan, Evaluation]:
    """Why one provider is, or is not, a match for the whole plan: every constraint with its verdict."""
    details, spec = await _readable_plan(session, actor, plan_id, PlanReadPurpose.MATCH, now)
    needs = _chosen_needs(details, spec, None)
    provider = await get_provider(session, actor=actor, provider_id=provider_id, today=today)
    if provider is None:
        raise NotFound("No listing with this ID.", field="providerId")
    facts = (await retrieval.load_facts(session, [provider_id], today=today))[provider_id]
    return details.plan, evaluate(spec, needs, facts, today)


def _per_need_evaluations(
    spec: PlanSpec,
    needs: Sequence[NeedSpec],
    facts: Sequence[ProviderFacts],
    today: date,
    keep: int,
    *,
    explain: bool = True,
) -> dict[int, list[Evaluation]]:
    """For each need, its best `keep` eligible providers; cheap rejections first, then `evaluate`
    (without the words when `explain` is false: allocation reads only scores and hours)."""
    best: dict[int, list[Evaluation]] = {}
    for need in needs:
        plausible = [
            f
            for f in facts
            if need.service_code in f.services
            and f.provider.hourly_rate_pence is not None
            and f.provider.hourly_rate_pence <= need.rate_pence
        ]
        best[need.id] = rank(evaluate(spec, [need], f, today, explain=explain) for f in plausible)[:keep]
    return best


async def propose_team(
    session: AsyncSession, *, actor: Actor, plan_id: int, today: date, now: datetime
) -> TeamProposal:
    """The smallest set of providers who between them cover the plan's schedule (see `teams`)."""
    details, spec = await _readable_plan(session, actor, plan_id, PlanReadPurpose.MATCH, now)
    needs = _chosen_needs(details, spec, None)
    ids = await retrieval.plan_candidate_ids(session, spec, need_ids=None, all_services=False, today=today)
    facts = await retrieval.load_facts(session, ids, today=today)
    per_need = _per_need_evaluations(spec, needs, list(facts.values()), today, rules.TEAM_CANDIDATES)
    evaluations = {(n, e.provider_id): e for n, group in per_need.items() for e in group}
    need_by_id = {n.id: n for n in needs}
    candidates = [
        TeamCandidate(
            need_id=need_id,
            provider_id=e.provider_id,
            score=e.score,
            windows=tuple(overlap_windows(need_by_id[need_id].windows, e.facts.availability)),
            capacity_hours=e.facts.capacity_left_hours,
            one_person=e.facts.provider.kind is ProviderKind.PA,
        )
        for (need_id, _), e in evaluations.items()
    ]
    # HiGHS releases the GIL: solved in a worker thread, the MILP (up to its time limit) leaves the
    # event loop free for every other request.
    team = await asyncio.to_thread(smallest_team, needs, candidates)
    return TeamProposal(plan=details.plan, needs=details.needs, team=team, evaluations=evaluations)


async def allocation_problem(
    session: AsyncSession, specs: Sequence[PlanSpec], *, today: date
) -> tuple[AllocationProblem, _ReachIndex]:
    """Each need's best eligible providers as options, with capacities: what `solve` and `greedy` take.

    One query fetches every provider who could serve any of the plans; a grid of the cells each
    provider's travel radius reaches then finds, for each home, the few worth evaluating.
    """
    needs = [n for s in specs for n in s.needs]
    if not needs:
        return AllocationProblem([], {}, frozenset()), _ReachIndex({})
    query = retrieval.candidate_query(
        homes=[(s.latitude, s.longitude) for s in specs],
        any_of_services=sorted({n.service_code for n in needs}),
        max_rate_pence=max(n.rate_pence for n in needs),
        today=today,
        search_radius_km=await retrieval.longest_travel_radius_km(session),
    )
    facts = await retrieval.load_facts(session, [row[0] for row in await session.execute(query)], today=today)
    reach = _ReachIndex(facts)
    options: list[Option] = []
    keep = rules.ALLOCATION_CANDIDATES_PER_NEED
    for spec in specs:
        nearby = reach.within_reach(spec.latitude, spec.longitude)
        per_need = _per_need_evaluations(spec, spec.needs, nearby, today, keep, explain=False)
        for need in spec.needs:
            options += [
                Option(
                    need_id=need.id,
                    provider_id=e.provider_id,
                    hours=e.covered_hours,
                    score=e.score,
                    windows=tuple(overlap_windows(need.windows, e.facts.availability)),
                )
                for e in per_need[need.id]
            ]
    used = {o.provider_id for o in options}
    problem = AllocationProblem(
        options=options,
        capacity_hours={p: facts[p].capacity_left_hours for p in used},
        one_person=frozenset(p for p in used if facts[p].provider.kind is ProviderKind.PA),
    )
    return problem, reach


class _ReachIndex:
    """Providers by the grid cells their travel radius reaches, so each home looks up only its cell."""

    CELL_DEGREES = 0.1

    def __init__(self, facts: dict[int, ProviderFacts]) -> None:
        self.facts = facts
        self.cells: dict[tuple[int, int], list[ProviderFacts]] = defaultdict(list)
        for f in facts.values():
            p = f.provider
            if p.latitude is None or p.longitude is None or p.travel_radius_km is None:
                continue
            south, north, west, east = retrieval.bounding_box(p.latitude, p.longitude, p.travel_radius_km)
            for x in range(self._cell(south), self._cell(north) + 1):
                for y in range(self._cell(west), self._cell(east) + 1):
                    self.cells[(x, y)].append(f)

    def _cell(self, degrees: float) -> int:
        return math.floor(degrees / self.CELL_DEGREES)

    def reaching(self, latitude: float, longitude: float) -> list[ProviderFacts]:
        return self.cells.get((self._cell(latitude), self._cell(longitude)), [])

    def within_reach(self, latitude: float, longitude: float) -> list[ProviderFacts]:
        """Those of the cell within their own radius of the home and with hours left: the rest
        `evaluate` would turn down anyway (TRAVEL_RADIUS, CAPACITY), so they are tested once per
        home here rather than once per need there."""
        found = []
        for f in self.reaching(latitude, longitude):
            p = f.provider
            assert p.latitude is not None and p.longitude is not None and p.travel_radius_km is not None
            if f.capacity_left_hours > 0 and (
                distance_km(latitude, longitude, p.latitude, p.longitude) <= p.travel_radius_km
            ):
                found.append(f)
        return found


async def propose_allocation(
    session: AsyncSession,
    *,
    actor: Actor,
    plan_ids: Sequence[int],
    today: date,
    now: datetime,
    time_limit: float = rules.ALLOCATION_TIME_LIMIT_SECONDS,
) -> AllocationProposal:
    """Assigns the needs of a broker's queue to providers, maximising total score x hours (`allocation`).

    Every plan must be one of the broker's council's, not CLOSED. Returns the proposal and, per plan,
    the hours left unmet. It books nothing: capacity stays free until agreements reserve it.
    """
    problems = Problems()
    wanted = list(dict.fromkeys(plan_ids))
    if not wanted:
        problems.add("plan_ids", "Give at least one plan.", ErrorCode.REQUIRED)
    if len(wanted) > rules.MAX_ALLOCATION_PLANS:
        problems.add(
            "plan_ids", f"At most {rules.MAX_ALLOCATION_PLANS:,} plans at once.", ErrorCode.OUT_OF_RANGE
        )
    problems.raise_if_any()
    found = await plans.read_support_plans(
        session, actor=actor, ids=wanted, operation=PlanReadPurpose.ALLOCATION, now=now
    )
    for index, plan_id in enumerate(wanted):
        plan = found.get(plan_id)
        if plan is None:
            problems.add(f"plan_ids.{index}", "No support plan with this ID.", ErrorCode.NOT_FOUND)
        elif not actor.is_staff_of(plan.council_id):
            raise PermissionDenied("Only the council's brokers allocate plans.", field=f"plan_ids.{index}")
        elif plan.status is PlanStatus.CLOSED:
            problems.add(f"plan_ids.{index}", "This plan is closed.", ErrorCode.INVALID_STATE)
    problems.raise_if_any()
    details = await plans.plan_details(session, [found[i] for i in wanted])
    specs = [plan_spec(details[i]) for i in wanted]
    needs = [n for s in specs for n in s.needs]
    if not needs:
        return AllocationProposal(
            result=solve(AllocationProblem([], {}, frozenset()), time_limit=time_limit),
            needs={},
            plans=[PlanShortfall(found[i], 0.0, 0.0) for i in wanted],
            providers={},
        )
    problem, reach = await allocation_problem(session, specs, today=today)
    # In a worker thread, as in propose_team: up to `time_limit` seconds the event loop must not wait.
    result = await asyncio.to_thread(solve, problem, time_limit=time_limit)
    allocated: dict[int, float] = defaultdict(float)
    for option in result.chosen:
        allocated[option.need_id] += option.hours
    await events.publish(
        events.Event.NOT_ALLOCATED,
        session,
        found,
        specs,
        allocated,
        {o.need_id for o in problem.options},
        {s.id: reach.reaching(s.latitude, s.longitude) for s in specs},
        today=today,
        now=now,
    )
    need_rows = {n.id: n for d in details.values() for n in d.needs if n.id is not None}
    shortfalls = [
        PlanShortfall(
            plan=found[s.id],
            needed_hours=round(sum(n.hours for n in s.needs), 4),
            allocated_hours=round(sum(allocated[n.id] for n in s.needs), 4),
        )
        for s in specs
    ]
    providers = {o.provider_id: reach.facts[o.provider_id].provider for o in result.chosen}
    return AllocationProposal(result=result, needs=need_rows, plans=shortfalls, providers=providers)
