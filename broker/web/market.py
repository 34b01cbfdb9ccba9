"""The commissioner's pages: market gaps (a sortable table and a map of district centres), DP take-up
against the target (a line chart), and time to care, each with its data table and a CSV of it.

As everywhere in the web client, who may see which figures is the API's answer: counts of 1 to 4
people come back withheld (`suppressed`) and are shown as such; FORBIDDEN is the 403 page. Charts
are SVG drawn here from the same rows the table shows, so nothing is fetched from the internet and
every chart has its numbers next to it. The CSV is made from those rows too: it says no more than
the page.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from broker.web.forms import errors_from
from broker.web.pages import PAGE_ERRORS, Forbidden, checked, sign_in_first

if TYPE_CHECKING:
    from broker.web.app import WebClient

KINDS = {"PA": "Personal assistants", "AGENCY": "Care agencies"}
GROUPS = {"DISTRICT": "District", "SERVICE": "Service", "TIME_BAND": "Time of the week"}
TIME_BANDS = {
    "EARLY_MORNING": "Early morning",
    "DAYTIME": "Daytime",
    "EVENING": "Evening",
    "NIGHT": "Night",
    "WEEKEND": "Weekend",
}
GAP_COLUMNS = {
    "unmetHours": "Unmet hours a week",
    "demandHours": "Hours needed a week",
    "agreedHours": "Hours agreed a week",
    "peopleWaiting": "People waiting",
    "reachableSupplyHours": "Free hours that reach",
    "gapRatio": "Gap ratio",
}
STEPS = {
    "PLAN_ACTIVE_TO_FIRST_REQUEST": "Plan active to first request",
    "FIRST_REQUEST_TO_FIRST_AGREEMENT": "First request to first agreement",
    "FIRST_AGREEMENT_TO_FIRST_PAYMENT": "First agreement to first payment",
    "PLAN_ACTIVE_TO_FIRST_AGREEMENT": "Plan active to first agreement",
    "PLAN_ACTIVE_TO_FIRST_PAYMENT": "Plan active to first payment",
}
# What the API says of a period it will not report on (a date out of its range, a span too long).
PERIOD_ERRORS = ("INVALID", "OUT_OF_RANGE", "TOO_LONG", "REQUIRED")
MAP_SIZE = (600, 420)
CHART_SIZE = (640, 300)


def _period(request: Request, today: date) -> tuple[date, date]:
    """The twelve months to today unless the page was asked for others (bad dates fall back)."""

    def read(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.query_params.get(name, "")[:10])
        except ValueError:
            return default

    start, end = read("from", today - timedelta(days=364)), read("to", today)
    return (start, end) if start <= end else (end, start)


def _label(row: dict[str, Any], group: str, services: dict[str, str]) -> str:
    if group == "SERVICE":
        return services.get(row["service"] or "", row["service"] or "")
    if group == "TIME_BAND":
        return TIME_BANDS.get(row["timeBand"] or "", row["timeBand"] or "")
    centre = row.get("districtCentre") or {}
    town = centre.get("town")
    return f"{row['district']} ({town})" if town else str(row["district"])


def _sorted(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """Largest first; withheld figures last."""
    return sorted(rows, key=lambda r: (r.get(column) is None, -(r.get(column) or 0)))


def district_map(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Circles at district centres (an equirectangular projection fitted to these districts), their
    area in proportion to unmet hours; withheld rows get none."""
    placed = [r for r in rows if r.get("districtCentre") and r.get("unmetHours")]
    if not placed:
        return []
    lats = [r["districtCentre"]["latitude"] for r in placed]
    lons = [r["districtCentre"]["longitude"] for r in placed]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    span = max((max(lons) - min(lons)) * scale_x, max(lats) - min(lats), 0.02)
    width, height = MAP_SIZE
    margin, largest = 40, max(r["unmetHours"] for r in placed)
    usable = min(width, height) - 2 * margin
    circles = []
    for row, lat, lon in zip(placed, lats, lons, strict=True):
        circles.append(
            {
                "x": round(margin + (lon - min(lons)) * scale_x / span * usable, 1),
                "y": round(height - margin - (lat - min(lats)) / span * usable, 1),
                "r": round(4 + 26 * math.sqrt(row["unmetHours"] / largest), 1),
                "label": row["district"],
                "hours": row["unmetHours"],
            }
        )
    return circles


def take_up_chart(months: list[dict[str, Any]], target: dict[str, Any] | None) -> dict[str, Any]:
    """Points of the monthly rate, the target's level, and the projection to the target date."""
    width, height = CHART_SIZE
    left, right, top, bottom = 56, 24, 16, 40
    rated = [m for m in months if m.get("ratePercent") is not None]
    levels = [m["ratePercent"] for m in rated]
    if target:
        levels += [
            v for v in (target.get("ratePercent"), target.get("projectedRatePercent")) if v is not None
        ]
    if not months or not levels:
        return {}
    ceiling = max(10.0, math.ceil(max(levels) / 5) * 5 + 5)
    slots = len(months) + (1 if target and target.get("projectedRatePercent") is not None else 0)
    step = (width - left - right) / max(slots - 1, 1)

    def y(value: float) -> float:
        return round(top + (1 - value / ceiling) * (height - top - bottom), 1)

    points = [
        {
            "x": round(left + i * step, 1),
            "y": y(m["ratePercent"]),
            "month": m["month"],
            "rate": m["ratePercent"],
        }
        for i, m in enumerate(months)
        if m.get("ratePercent") is not None
    ]
    chart: dict[str, Any] = {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "ticks": [
            {"y": y(v), "label": f"{v:g}%"} for v in range(0, int(ceiling) + 1, 5 if ceiling <= 40 else 10)
        ],
        "first": months[0]["month"],
        "last": months[-1]["month"],
    }
    if target and target.get("ratePercent") is not None:
        chart["target_y"] = y(target["ratePercent"])
    if target and target.get("projectedRatePercent") is not None and points:
        chart["projection"] = {
            "x1": points[-1]["x"],
            "y1": points[-1]["y"],
            "x2": round(left + (slots - 1) * step, 1),
            "y2": y(target["projectedRatePercent"]),
        }
    return chart


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return PlainTextResponse(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class PeriodRefused(Exception):
    """The API would not report on the period asked for: the page says why, at the date fields."""

    def __init__(self, errors: list[dict[str, str | None]]) -> None:
        self.errors = errors


class MarketPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _report(self, request: Request, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.run(request, name, variables, allow_errors=(*PAGE_ERRORS, *PERIOD_ERRORS))
        if "FORBIDDEN" in result.error_codes():
            raise Forbidden()
        fields = [(e.get("extensions") or {}).get("field") or "" for e in result.errors]
        if result.errors and all(f.split(".")[-1] in ("from", "to") for f in fields):
            summary, _ = errors_from(
                [
                    {"field": f.split(".")[-1], "message": e["message"]}
                    for f, e in zip(fields, result.errors, strict=True)
                ]
            )
            raise PeriodRefused(summary)
        return checked(result).data

    def _refused(self, request: Request, refused: PeriodRefused, council: dict[str, Any]) -> Response:
        start, end = _period(request, date.today())
        return self.client.render(
            request,
            "market_refused.html",
            status=400,
            active=request.url.path,
            council=council,
            errors=refused.errors,
            field_errors={e["field"]: e["message"] for e in refused.errors if e["field"]},
            start=start,
            end=end,
        )

    async def _council(self, request: Request) -> dict[str, Any]:
        """The council whose figures the page shows: the signed-in user's own."""
        result = checked(await self.client.run(request, "MarketCouncil", allow_errors=PAGE_ERRORS))
        council = (result.data.get("viewer") or {}).get("council")
        if council is None:  # a platform admin has no council of their own to show
            raise Forbidden()
        return council

    async def gaps(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council(request)
        group = request.query_params.get("group", "DISTRICT")
        group = group if group in GROUPS else "DISTRICT"
        column = request.query_params.get("sort", "unmetHours")
        column = column if column in GAP_COLUMNS else "unmetHours"
        start, end = _period(request, date.today())
        given = {
            "councilId": council["id"],
            "groupBy": [group],
            "from": start.isoformat(),
            "to": end.isoformat(),
        }
        try:
            data = await self._report(request, "MarketGaps", {"input": given})
        except PeriodRefused as refused:
            return self._refused(request, refused, council)
        services = {s["code"]: s["label"] for s in data.get("services") or []}
        rows = _sorted(data["marketGaps"], column)
        for row in rows:
            row["label"] = _label(row, group, services)
        query = f"group={group}&from={start.isoformat()}&to={end.isoformat()}"
        if request.url.path.endswith(".csv"):
            return _csv(
                f"market-gaps-{group.lower()}-{start.isoformat()}-{end.isoformat()}.csv",
                [GROUPS[group], *GAP_COLUMNS.values(), "Withheld"],
                [
                    [r["label"], *(r.get(c) for c in GAP_COLUMNS), "yes" if r["suppressed"] else ""]
                    for r in rows
                ],
            )
        return self.client.render(
            request,
            "market_gaps.html",
            active="/market",
            council=council,
            rows=rows,
            group=group,
            groups=GROUPS,
            column=column,
            columns=GAP_COLUMNS,
            start=start,
            end=end,
            query=query,
            circles=district_map(rows) if group == "DISTRICT" else [],
            map_size=MAP_SIZE,
        )

    async def take_up(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council(request)
        start, end = _period(request, date.today())
        variables = {"councilId": council["id"], "from": start.isoformat(), "to": end.isoformat()}
        try:
            report = (await self._report(request, "DpTakeUpPage", variables))["dpTakeUp"]
        except PeriodRefused as refused:
            return self._refused(request, refused, council)
        months, target = report["months"], report["target"]
        if request.url.path.endswith(".csv"):
            return _csv(
                f"dp-take-up-{start.isoformat()}-{end.isoformat()}.csv",
                ["Month", "Take-up %", "People on DPs", "People on long-term support", "New", "Ended"],
                [
                    [
                        m["month"],
                        m["ratePercent"],
                        m["peopleOnDirectPayments"],
                        m["peopleOnLongTermCommunitySupport"],
                        m["newDirectPayments"],
                        m["endedDirectPayments"],
                    ]
                    for m in months
                ],
            )
        return self.client.render(
            request,
            "market_take_up.html",
            active="/market/take-up",
            council=council,
            months=months,
            target=target,
            chart=take_up_chart(months, target),
            start=start,
            end=end,
            query=f"from={start.isoformat()}&to={end.isoformat()}",
        )

    async def time_to_care(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council(request)
        start, end = _period(request, date.today())
        given = {"councilId": council["id"], "from": start.isoformat(), "to": end.isoformat()}
        try:
            report = (await self._report(request, "TimeToCarePage", {"input": given}))["timeToCare"]
        except PeriodRefused as refused:
            return self._refused(request, refused, council)
        steps = report["steps"]
        longest = max([s["percentile90Days"] or 0 for s in steps] + [1])
        if request.url.path.endswith(".csv"):
            return _csv(
                f"time-to-care-{start.isoformat()}-{end.isoformat()}.csv",
                ["Step", "People", "Median days", "90th percentile days", "Still waiting", "Withheld"],
                [
                    [
                        STEPS.get(s["step"], s["step"]),
                        s["people"],
                        s["medianDays"],
                        s["percentile90Days"],
                        s["stillWaiting"],
                        "yes" if s["suppressed"] else "",
                    ]
                    for s in steps
                ],
            )
        return self.client.render(
            request,
            "market_time_to_care.html",
            active="/market/time-to-care",
            council=council,
            report=report,
            steps=steps,
            step_names=STEPS,
            longest=longest,
            start=start,
            end=end,
            query=f"from={start.isoformat()}&to={end.isoformat()}",
        )

    async def rates(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        council = await self._council(request)
        data = await self._report(request, "RatesPage", {"input": {"councilId": council["id"]}})
        rows = sorted(
            data["rateSufficiency"],
            key=lambda r: (r["topUpRiskPercent"] is None, -(r["topUpRiskPercent"] or 0), r["district"]),
        )
        if request.url.path.endswith(".csv"):
            return _csv(
                "rate-sufficiency.csv",
                [
                    "District",
                    "Kind",
                    "Council rate (p)",
                    "Providers",
                    "Median asked (p)",
                    "Median paid (p)",
                    "Providers above the council rate",
                    "Top-up risk %",
                    "Withheld",
                ],
                [
                    [
                        r["district"],
                        KINDS.get(r["providerKind"], r["providerKind"]),
                        r["councilRatePence"],
                        r["providers"],
                        (r["askedRates"] or {}).get("medianPence"),
                        r["medianPaidPence"],
                        r["providersAboveCouncilRate"],
                        r["topUpRiskPercent"],
                        "yes" if r["suppressed"] else "",
                    ]
                    for r in rows
                ],
            )
        today = date.today()
        return self.client.render(
            request,
            "market_rates.html",
            active="/market/rates",
            council=council,
            rows=rows,
            provider_kinds=KINDS,
            living_wage=rows[0]["nationalLivingWagePence"] if rows else None,
            start=today,
            end=today,
            query="",
            period=False,
        )


def market_routes(client: WebClient) -> list[Route]:
    pages = MarketPages(client)
    return [
        Route("/market", pages.gaps),
        Route("/market/gaps.csv", pages.gaps),
        Route("/market/take-up", pages.take_up),
        Route("/market/take-up.csv", pages.take_up),
        Route("/market/time-to-care", pages.time_to_care),
        Route("/market/time-to-care.csv", pages.time_to_care),
        Route("/market/rates", pages.rates),
        Route("/market/rates.csv", pages.rates),
    ]
