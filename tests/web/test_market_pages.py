"""A commissioner reads the market in the browser: gaps as a sortable table (and a map when grouped
by district), take-up against the target as a chart, time to care; each with a CSV of its table.
Who may see the figures is the API's answer: these tests check the pages pass it on."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web.reading import page_text, page_title, sign_in

COMMISSIONER = "commissioner@leeds.example"
PERIOD = "from=2025-12-01&to=2026-11-30"


@pytest.fixture
async def commissioner(browser, demo):
    await sign_in(browser, COMMISSIONER)
    return browser


async def test_a_commissioner_lands_on_market_gaps_after_signing_in(browser, demo):
    answer = await sign_in(browser, COMMISSIONER)

    assert answer.headers["location"] == "/market"
    page = await browser.get(f"/market?{PERIOD}")
    assert page.status_code == 200
    assert page_title(page.text) == "Market gaps by district"
    assert 'aria-current="page">Market<' in page.text


async def test_market_gaps_by_service_sort_by_any_column_and_withhold_small_counts(commissioner):
    page = await commissioner.get(f"/market?group=SERVICE&{PERIOD}")
    text = page_text(page.text)

    assert "Market gaps by service, sorted by unmet hours a week" in text
    assert "Personal care" in text
    assert "Counts of 1 to 4 people are withheld" in text

    by_demand = await commissioner.get(f"/market?group=SERVICE&{PERIOD}&sort=demandHours")
    assert "sorted by hours needed a week" in page_text(by_demand.text)
    assert 'aria-sort="descending"' in by_demand.text


async def test_each_report_downloads_as_the_csv_of_its_table(commissioner):
    gaps = await commissioner.get(f"/market/gaps.csv?group=SERVICE&{PERIOD}")
    take_up = await commissioner.get(f"/market/take-up.csv?{PERIOD}")
    waits = await commissioner.get(f"/market/time-to-care.csv?{PERIOD}")

    for answer in (gaps, take_up, waits):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(take_up.text)))
    assert rows[0] == ["Month", "Take-up %", "People on DPs", "People on long-term support", "New", "Ended"]
    assert len(rows) == 13  # twelve months
    assert next(csv.reader(io.StringIO(gaps.text)))[0] == "Service"


async def test_take_up_shows_the_target_the_projection_and_a_chart_with_its_table(commissioner):
    page = await commissioner.get(f"/market/take-up?{PERIOD}")
    text = page_text(page.text)

    assert "30.0% by 31 March 2027" in text
    assert "Projected by then" in text
    assert '<svg class="broker-chart"' in page.text and 'role="img"' in page.text
    assert "Take-up each month" in text  # the chart's table


async def test_time_to_care_shows_each_step(commissioner):
    page = await commissioner.get(f"/market/time-to-care?{PERIOD}")

    assert page.status_code == 200
    assert "Plan active to first agreement" in page_text(page.text)


async def test_rates_compare_the_council_rate_with_asking_and_paid_rates(commissioner):
    page = await commissioner.get("/market/rates")
    table = await commissioner.get("/market/rates.csv")

    assert page.status_code == 200
    text = page_text(page.text)
    assert "Rates by district and kind of provider" in text
    assert "£16.50" in text  # the demo council's PA rate
    assert next(csv.reader(io.StringIO(table.text)))[:3] == ["District", "Kind", "Council rate (p)"]


async def test_signed_out_the_market_asks_for_sign_in_first(browser, demo):
    answer = await browser.get("/market/take-up")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("email", ["provider@leeds.example", "holder@leeds.example"])
async def test_providers_and_holders_get_the_403_page_not_figures(browser, demo, email):
    await sign_in(browser, email)

    for path in ("/market", "/market/take-up", "/market/time-to-care", "/market/rates", "/market/gaps.csv"):
        answer = await browser.get(f"{path}?{PERIOD}")
        assert answer.status_code == 403, path
        assert "Take-up each month" not in answer.text


async def test_a_bad_period_falls_back_and_no_input_makes_a_server_error(commissioner):
    for query in ("from=not-a-date&to=2026-13-40", "group=DROP%20TABLE&sort=%00", "from=9999-12-31"):
        answer = await commissioner.get(f"/market?{query}")
        assert answer.status_code in (200, 400), query
