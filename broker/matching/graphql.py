"""GraphQL for matching: `matchesForPlan`, `matchExplanation`, `teamForPlan`, `proposeAllocation`."""

from __future__ import annotations

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import decode_id
from broker.matching import rules, service
from broker.matching.scoring import Component, Constraint, Evaluation, window_hours
from broker.plans.graphql.types import PlanNeedType, ScheduleSlotType, SupportPlanNode
from broker.providers.graphql.types import ProviderNode

ConstraintEnum = strawberry.enum(
    Constraint, name="MatchConstraint", description="A hard constraint: fail one and you are not a match."
)
ComponentEnum = strawberry.enum(
    Component, name="ScoreComponent", description="A named part of the match score."
)


@strawberry.type(name="ConstraintCheck", description="One hard constraint and how the provider fared.")
class ConstraintCheckType:
    constraint: ConstraintEnum  # type: ignore[valid-type]
    passed: bool
    detail: str = strawberry.field(description="Why, in words a person can read.")


@strawberry.type(name="ScoreComponentValue", description="One component of the score.")
class ScoreComponentType:
    component: ComponentEnum  # type: ignore[valid-type]
    weight: float = strawberry.field(description="Its share of the score; the weights add up to 1.")
    value: float = strawberry.field(description="0 to 1.")
    points: float = strawberry.field(description="weight x value x 100: what it adds to the score.")


def _constraints(evaluation: Evaluation) -> list[ConstraintCheckType]:
    return [
        ConstraintCheckType(constraint=c.constraint, passed=c.passed, detail=c.detail)
        for c in evaluation.constraints
    ]


def _components(evaluation: Evaluation) -> list[ScoreComponentType]:
    return [
        ScoreComponentType(component=c.component, weight=c.weight, value=c.value, points=c.points)
        for c in evaluation.components
    ]


@strawberry.type(name="Match", description="A ranked candidate for a plan or one of its needs.")
class MatchType:
    provider: ProviderNode
    score: float = strawberry.field(description="0 to 100, the sum of the components' points.")
    reason: str = strawberry.field(
        description='One line, e.g. "covers 9 of 10 hours; 2.3 km; speaks Punjabi".'
    )
    covered_hours: float = strawberry.field(description="Hours a week they can deliver of those needed.")
    needed_hours: float
    distance_km: float | None
    components: list[ScoreComponentType]
    constraints: list[ConstraintCheckType] = strawberry.field(
        description="Every hard constraint, all passed."
    )

    @classmethod
    def from_evaluation(cls, evaluation: Evaluation) -> MatchType:
        return cls(
            provider=ProviderNode.from_model(evaluation.facts.provider),
            score=evaluation.score,
            reason=evaluation.reason,
            covered_hours=evaluation.covered_hours,
            needed_hours=evaluation.needed_hours,
            distance_km=evaluation.distance_km,
            components=_components(evaluation),
            constraints=_constraints(evaluation),
        )


@strawberry.type(name="MatchExplanation", description="Why a provider is, or is not, a match for a plan.")
class MatchExplanationType:
    provider: ProviderNode
    support_plan: SupportPlanNode
    eligible: bool = strawberry.field(description="Every hard constraint passed.")
    score: float = strawberry.field(description="What the provider would score; ranks only if eligible.")
    reason: str
    covered_hours: float
    needed_hours: float
    distance_km: float | None
    constraints: list[ConstraintCheckType] = strawberry.field(description="Each constraint with its verdict.")
    components: list[ScoreComponentType]


@strawberry.type(name="TeamShare", description="The part of one need a team member takes.")
class TeamShareType:
    need: PlanNeedType
    hours: float
    slots: list[ScheduleSlotType]


@strawberry.type(name="TeamMember", description="One provider of a team, with the hours they take.")
class TeamMemberType:
    provider: ProviderNode
    hours: float = strawberry.field(description="Hours a week in all.")
    shares: list[TeamShareType]


@strawberry.type(
    name="TeamProposal",
    description="The smallest set of compatible providers covering the plan's schedule without overlaps.",
)
class TeamProposalType:
    members: list[TeamMemberType]
    covered_hours: float
    needed_hours: float
    unmet_hours: float


@strawberry.type(name="AllocationAssignment", description="One need proposed for one provider.")
class AllocationAssignmentType:
    support_plan: SupportPlanNode
    need: PlanNeedType
    provider: ProviderNode
    hours: float
    score: float


@strawberry.type(name="PlanAllocation", description="How much of one plan the proposal covers.")
class PlanAllocationType:
    support_plan: SupportPlanNode
    needed_hours: float
    allocated_hours: float
    unmet_hours: float


@strawberry.type(name="AllocationProposal", description="A proposal only: nothing is booked.")
class AllocationProposalType:
    assignments: list[AllocationAssignmentType]
    plans: list[PlanAllocationType]
    total_score: float = strawberry.field(description="Sum of score x hours over the assignments.")
    optimal: bool = strawberry.field(description="The solver proved it optimal (within 0.1%).")
    method: str
    seconds: float


@strawberry.input(description="The plans of your queue to allocate together.")
class ProposeAllocationInput(DecodesIds):
    plan_ids: list[relay.GlobalID]

    def to_command(self) -> dict[str, list[int]]:
        """The plan keys, a bad ID reported against its place in `plan_ids`."""
        return {"plan_ids": self.keys("plan_ids", "SupportPlan")}


@strawberry.type
class ProposeAllocationPayload(MutationPayload):
    allocation: AllocationProposalType | None = None

    @classmethod
    def present(cls, proposal: service.AllocationProposal) -> ProposeAllocationPayload:
        return _allocation_payload(proposal)


@strawberry.type
class MatchingQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Providers who pass every hard constraint for the plan (or one need), best first.",
    )
    async def matches_for_plan(
        self,
        info: Info,
        plan_id: relay.GlobalID,
        need_id: relay.GlobalID | None = None,
        first: int = rules.DEFAULT_MATCHES,
    ) -> list[MatchType]:
        ctx = info.context
        plan = decode_id(plan_id, "SupportPlan", field="planId")
        need = decode_id(need_id, "PlanNeed", field="needId") if need_id else None
        async with ctx.db.transaction() as session:
            found = await service.matches_for_plan(
                session,
                actor=ctx.signed_in,
                plan_id=plan,
                need_id=need,
                first=first,
                today=ctx.today,
                now=ctx.now,
            )
        return [MatchType.from_evaluation(e) for e in found.matches]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Why a provider is or is not a match for the plan, constraint by constraint.",
    )
    async def match_explanation(
        self, info: Info, plan_id: relay.GlobalID, provider_id: relay.GlobalID
    ) -> MatchExplanationType:
        ctx = info.context
        plan_key = decode_id(plan_id, "SupportPlan", field="planId")
        provider_key = decode_id(provider_id, "Provider", field="providerId")
        async with ctx.db.transaction() as session:
            plan, e = await service.explain_match(
                session,
                actor=ctx.signed_in,
                plan_id=plan_key,
                provider_id=provider_key,
                today=ctx.today,
                now=ctx.now,
            )
        return MatchExplanationType(
            provider=ProviderNode.from_model(e.facts.provider),
            support_plan=SupportPlanNode.from_model(plan),
            eligible=e.eligible,
            score=e.score,
            reason=e.reason,
            covered_hours=e.covered_hours,
            needed_hours=e.needed_hours,
            distance_km=e.distance_km,
            constraints=_constraints(e),
            components=_components(e),
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The smallest team covering the schedule when no one provider can; books nothing.",
    )
    async def team_for_plan(self, info: Info, plan_id: relay.GlobalID) -> TeamProposalType:
        ctx = info.context
        plan_key = decode_id(plan_id, "SupportPlan", field="planId")
        async with ctx.db.transaction() as session:
            proposal = await service.propose_team(
                session,
                actor=ctx.signed_in,
                plan_id=plan_key,
                today=ctx.today,
                now=ctx.now,
            )
        needs = {n.id: n for n in proposal.needs}
        team = proposal.team
        members = []
        for share in team.members:
            provider = next(
                e.facts.provider for (_, p), e in proposal.evaluations.items() if p == share.provider_id
            )
            members.append(
                TeamMemberType(
                    provider=ProviderNode.from_model(provider),
                    hours=share.hours,
                    shares=[
                        TeamShareType(
                            need=PlanNeedType.from_model(needs[need_id]),
                            hours=round(window_hours(windows), 4),
                            slots=[ScheduleSlotType.from_window(*w) for w in windows],
                        )
                        for need_id, windows in sorted(
                            share.windows.items(), key=lambda kv: needs[kv[0]].position
                        )
                    ],
                )
            )
        needed = sum(team.needed_hours.values())
        return TeamProposalType(
            members=members,
            covered_hours=round(sum(team.covered_hours.values()), 4),
            needed_hours=needed,
            unmet_hours=team.unmet_hours,
        )


@strawberry.type
class MatchingMutations:
    propose_allocation = use_case(
        ProposeAllocationInput,
        service.propose_allocation,
        ProposeAllocationPayload,
        IsCouncilStaff,
        "Assign the needs of several plans to providers, maximising total score within capacity and "
        "without overlapping PA shifts. It proposes; it books nothing.",
    )


def _allocation_payload(proposal: service.AllocationProposal) -> ProposeAllocationPayload:
    plans = {p.plan.id: p.plan for p in proposal.plans}
    need_plan = {n.id: n.plan_id for n in proposal.needs.values()}
    chosen = sorted(
        proposal.result.chosen, key=lambda o: (need_plan[o.need_id], proposal.needs[o.need_id].position)
    )
    return ProposeAllocationPayload(
        allocation=AllocationProposalType(
            assignments=[
                AllocationAssignmentType(
                    support_plan=SupportPlanNode.from_model(plans[need_plan[o.need_id]]),
                    need=PlanNeedType.from_model(proposal.needs[o.need_id]),
                    provider=ProviderNode.from_model(proposal.providers[o.provider_id]),
                    hours=o.hours,
                    score=o.score,
                )
                for o in chosen
            ],
            plans=[
                PlanAllocationType(
                    support_plan=SupportPlanNode.from_model(p.plan),
                    needed_hours=p.needed_hours,
                    allocated_hours=p.allocated_hours,
                    unmet_hours=p.unmet_hours,
                )
                for p in proposal.plans
            ],
            total_score=proposal.result.total_score,
            optimal=proposal.result.optimal,
            method=proposal.result.method,
            seconds=round(proposal.result.seconds, 3),
        ),
    )
