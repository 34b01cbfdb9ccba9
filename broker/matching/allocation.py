"""Batch allocation as a mixed-integer programme (HiGHS through `scipy.optimize.milp`), and the greedy
baseline it is measured against.

Each option puts one need with one provider for the hours that provider can deliver, worth
score x hours. Maximise the total worth subject to: each need goes to at most one provider (one
carer per need, for continuity); each provider's hours stay within the capacity they have left; and a
PA, being one person, never takes two needs whose delivery windows overlap. Agencies have staff, so
only their capacity binds. Nothing is booked: this only proposes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from broker.matching.scoring import Window


@dataclass(frozen=True)
class Option:
    need_id: int
    provider_id: int
    hours: float
    score: float
    windows: tuple[Window, ...]
    """When the provider would work for this need (their availability within the need's slots)."""

    @property
    def value(self) -> float:
        return self.score * self.hours


@dataclass(frozen=True)
class AllocationProblem:
    options: Sequence[Option]
    capacity_hours: dict[int, float]
    one_person: frozenset[int]
    """Providers who are one person (PAs): their chosen windows may not overlap."""


@dataclass(frozen=True)
class AllocationResult:
    chosen: list[Option]
    optimal: bool
    method: str
    seconds: float

    @property
    def total_score(self) -> float:
        return round(sum(o.value for o in self.chosen), 2)


def overlapping_groups(options: Sequence[Option], indices: Sequence[int]) -> list[list[int]]:
    """Sets of `indices` (options of one PA) that all share some minute of the week: at most one each."""
    intervals = sorted(
        (day * 1440 + start, day * 1440 + end, i) for i in indices for day, start, end in options[i].windows
    )
    groups: list[list[int]] = []
    seen: set[frozenset[int]] = set()
    for point, _, _ in intervals:
        active = frozenset(i for start, end, i in intervals if start <= point < end)
        if len(active) > 1 and active not in seen:
            seen.add(active)
            groups.append(sorted(active))
    return groups


def _rows(problem: AllocationProblem) -> tuple[list[list[tuple[int, float]]], list[float]]:
    options = problem.options
    rows: list[list[tuple[int, float]]] = []
    bounds: list[float] = []
    by_need: dict[int, list[int]] = defaultdict(list)
    by_provider: dict[int, list[int]] = defaultdict(list)
    for index, option in enumerate(options):
        by_need[option.need_id].append(index)
        by_provider[option.provider_id].append(index)
    for indices in by_need.values():
        if len(indices) > 1:
            rows.append([(i, 1.0) for i in indices])
            bounds.append(1.0)
    for provider_id, indices in by_provider.items():
        if sum(options[i].hours for i in indices) > problem.capacity_hours[provider_id] + 1e-9:
            rows.append([(i, options[i].hours) for i in indices])
            bounds.append(problem.capacity_hours[provider_id])
        if provider_id in problem.one_person and len(indices) > 1:
            for group in overlapping_groups(options, indices):
                rows.append([(i, 1.0) for i in group])
                bounds.append(1.0)
    return rows, bounds


def solve(problem: AllocationProblem, *, time_limit: float) -> AllocationResult:
    """The best allocation HiGHS finds within `time_limit` seconds (optimal within 0.1% if it finishes)."""
    started = time.perf_counter()
    options = problem.options
    if not options:
        return AllocationResult(chosen=[], optimal=True, method="HiGHS MILP", seconds=0.0)
    rows, upper = _rows(problem)
    values = np.array([o.value for o in options])
    constraints = []
    if rows:
        data, row_index, col_index = [], [], []
        for r, row in enumerate(rows):
            for column, coefficient in row:
                row_index.append(r)
                col_index.append(column)
                data.append(coefficient)
        matrix = csr_array((data, (row_index, col_index)), shape=(len(rows), len(options)))
        constraints.append(LinearConstraint(matrix, -np.inf, np.array(upper)))
    result = milp(
        -values,
        integrality=np.ones(len(options), dtype=int),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"time_limit": time_limit, "mip_rel_gap": 1e-3, "disp": False},
    )
    if result.x is None:  # no feasible point within the time limit: fall back, and say so
        fallback = greedy(problem)
        return AllocationResult(
            chosen=fallback.chosen,
            optimal=False,
            method="greedy (solver found no solution in time)",
            seconds=time.perf_counter() - started,
        )
    chosen = [o for o, x in zip(options, result.x, strict=True) if x > 0.5]
    return AllocationResult(
        chosen=chosen, optimal=result.status == 0, method="HiGHS MILP", seconds=time.perf_counter() - started
    )


def greedy(problem: AllocationProblem) -> AllocationResult:
    """The baseline: take the most valuable option that still fits, until none fits."""
    started = time.perf_counter()
    used: dict[int, float] = defaultdict(float)
    taken_needs: set[int] = set()
    busy: dict[int, list[Window]] = defaultdict(list)
    chosen: list[Option] = []
    for option in sorted(problem.options, key=lambda o: (-o.value, o.need_id, o.provider_id)):
        provider = option.provider_id
        if option.need_id in taken_needs:
            continue
        if used[provider] + option.hours > problem.capacity_hours[provider] + 1e-9:
            continue
        if provider in problem.one_person and any(
            d == day and s < end and start < e
            for day, start, end in option.windows
            for d, s, e in busy[provider]
        ):
            continue
        chosen.append(option)
        taken_needs.add(option.need_id)
        used[provider] += option.hours
        busy[provider].extend(option.windows)
    return AllocationResult(
        chosen=chosen, optimal=False, method="greedy", seconds=time.perf_counter() - started
    )
