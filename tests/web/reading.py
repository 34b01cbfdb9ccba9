"""What a person reads of a page, and signing in as they would: the web tests' shared steps."""

from __future__ import annotations

import html
import re

import httpx

from seed.demo import DEMO_PASSWORD


def page_text(page: str) -> str:
    """What a person reads: the page without its tags, spaces collapsed."""
    body = page[page.find("<main") :]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


DASH = "\u2013"


def page_title(page: str) -> str:
    """The page's own part of its title, before the service and council names."""
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip())
    return title.split(f" {DASH} ")[0]


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def links_in(page: str, prefix: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'href="({re.escape(prefix)}[^"#]*)"', page)]


async def sign_in(browser: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD, next_path: str = ""):
    form = await browser.get("/sign-in")
    answer = await browser.post(
        "/sign-in",
        data={"email": email, "password": password, "next": next_path, "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 303, answer.text
    return answer
