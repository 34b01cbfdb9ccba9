"""The smallest team that covers a plan's schedule when no single provider can, as a small MILP.

The plan's slots are cut into pieces at every boundary of every candidate's availability; each piece
goes to at most one provider who passes every constraint for that piece's need. Lexicographically:
cover as many minutes as possible, then use as few providers as possible, then prefer better scores.
A PA never takes two pieces at the same time; no one works beyond the capacity they have left.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from broker.matching.scoring import NeedSpec, Window


@dataclass(frozen=True)
class TeamCandidate:
    need_id: int
    provider_id: int
    score: float
    windows: tuple[Window, ...]
    capacity_hours: float
    one_person: bool


@dataclass
class TeamShare:
    """What one member takes: windows per need, and hours in all."""

    provider_id: int
    windows: dict[int, list[Window]] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return round(sum(e - s for ws in self.windows.values() for _, s, e in ws) / 60, 4)


@dataclass(frozen=True)
class Team:
    members: list[TeamShare]
    covered_hours: dict[int, float]
    needed_hours: dict[int, float]

    @property
    def unmet_hours(self) -> float:
        return round(sum(self.needed_hours[n] - self.covered_hours.get(n, 0.0) for n in self.needed_hours), 4)


def _pieces(needs: Sequence[NeedSpec], candidates: Sequence[TeamCandidate]) -> list[tuple[int, Window]]:
    cuts: dict[int, set[int]] = defaultdict(set)
    for need in needs:
        for day, start, end in need.windows:
            cuts[day] |= {start, end}
    for candidate in candidates:
        for day, start, end in candidate.windows:
            cuts[day] |= {start, end}
    pieces: list[tuple[int, Window]] = []
    for need in needs:
        for day, start, end in need.windows:
            points = sorted(p for p in cuts[day] if start <= p <= end)
            pieces += [(need.id, (day, a, b)) for a, b in itertools.pairwise(points) if b > a]
    return pieces


def _merge(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for day, start, end in sorted(windows):
        if merged and merged[-1][0] == day and merged[-1][2] == start:
            merged[-1] = (day, merged[-1][1], end)
        else:
            merged.append((day, start, end))
    return merged


def smallest_team(needs: Sequence[NeedSpec], candidates: Sequence[TeamCandidate]) -> Team:
    needed = {n.id: n.hours for n in needs}
    pieces = _pieces(needs, candidates)
    providers = sorted({c.provider_id for c in candidates})
    variables: list[tuple[int, int]] = []  # (piece index, candidate index)
    for p_index, (need_id, (day, start, end)) in enumerate(pieces):
        for c_index, candidate in enumerate(candidates):
            if candidate.need_id == need_id and any(
                d == day and s <= start and end <= e for d, s, e in candidate.windows
            ):
                variables.append((p_index, c_index))
    if not variables:
        return Team(members=[], covered_hours={}, needed_hours=needed)
    y_of = {p: len(variables) + i for i, p in enumerate(providers)}
    size = len(variables) + len(providers)
    total_minutes = sum(end - start for _, (_, start, end) in pieces) or 1
    penalty = 1.0 / (len(providers) + 1)  # all providers together weigh less than one minute covered
    tie_break = penalty / 2 / total_minutes  # all scores together weigh less than one provider
    objective = np.zeros(size)
    rows: list[list[tuple[int, float]]] = []
    upper: list[float] = []
    by_piece: dict[int, list[int]] = defaultdict(list)
    by_need: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_provider: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_person_time: dict[tuple[int, Window], list[int]] = defaultdict(list)
    for v, (p_index, c_index) in enumerate(variables):
        need_id, window = pieces[p_index]
        candidate = candidates[c_index]
        minutes = window[2] - window[1]
        objective[v] = -(minutes + tie_break * minutes * candidate.score / 100)
        by_piece[p_index].append(v)
        by_need[need_id].append((v, minutes))
        by_provider[candidate.provider_id].append((v, minutes))
        if candidate.one_person:
            by_person_time[(candidate.provider_id, window)].append(v)
        rows.append([(v, 1.0), (y_of[candidate.provider_id], -1.0)])
        upper.append(0.0)
    for provider_id in providers:
        objective[y_of[provider_id]] = penalty
    for group in by_piece.values():
        rows.append([(v, 1.0) for v in group])
        upper.append(1.0)
    for need_id, terms in by_need.items():
        rows.append([(v, float(m)) for v, m in terms])
        upper.append(needed[need_id] * 60)
    capacity = {c.provider_id: c.capacity_hours for c in candidates}
    for provider_id, terms in by_provider.items():
        rows.append([(v, float(m)) for v, m in terms])
        upper.append(capacity[provider_id] * 60)
    for group in by_person_time.values():
        if len(group) > 1:
            rows.append([(v, 1.0) for v in group])
            upper.append(1.0)
    data, r_index, c_index_list = [], [], []
    for r, row in enumerate(rows):
        for column, coefficient in row:
            r_index.append(r)
            c_index_list.append(column)
            data.append(coefficient)
    matrix = csr_array((data, (r_index, c_index_list)), shape=(len(rows), size))
    result = milp(
        objective,
        integrality=np.ones(size, dtype=int),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(matrix, -np.inf, np.array(upper))],
        options={"time_limit": 10.0, "mip_rel_gap": 0.0, "disp": False},
    )
    if result.x is None:
        return Team(members=[], covered_hours={}, needed_hours=needed)
    shares: dict[int, TeamShare] = {}
    covered: dict[int, float] = defaultdict(float)
    for v, (p_index, c_idx) in enumerate(variables):
        if result.x[v] < 0.5:
            continue
        need_id, window = pieces[p_index]
        provider_id = candidates[c_idx].provider_id
        share = shares.setdefault(provider_id, TeamShare(provider_id=provider_id))
        share.windows.setdefault(need_id, []).append(window)
        covered[need_id] += (window[2] - window[1]) / 60
    for share in shares.values():
        share.windows = {n: _merge(ws) for n, ws in share.windows.items()}
    members = sorted(shares.values(), key=lambda s: (-s.hours, s.provider_id))
    return Team(
        members=members, covered_hours={n: round(h, 4) for n, h in covered.items()}, needed_hours=needed
    )
