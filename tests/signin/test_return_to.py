"""After sign-in the browser goes back where it was, and never to another
site: the Location is judged as a browser (a WHATWG URL parser, ada) reads it."""

from __future__ import annotations

import ada_url
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signin_client import sign_in

BASE = "http://localhost/login"
ORIGIN = "http://localhost"

#: A hostile ``next`` is mostly two slashes in disguise before a host: a slash,
#: a backslash or a percent-encoding of either (once or twice), with what a
#: browser strips or drops around and between them (whitespace, controls,
#: invisible characters), or a scheme.
LEADS = [
    "",
    " ",
    "\t",
    "\n",
    "\x00",
    "\x1f",
    "\x0c",
    "\u200b",
    "\ufeff",
    "http:",
    "https:",
    "HTTP:",
    "javascript:",
    "data:",
]
SLASHES = ["/", "\\", "%2F", "%2f", "%5C", "%5c", "%252F", "%255C", "\uff0f", "\uff3c", "\ufe68"]
NOISE = [
    "\t",
    "\n",
    "\r",
    "%09",
    "%0a",
    "%0D",
    "%00",
    "%20",
    " ",
    "\x00",
    "\x0b",
    "\x7f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u3000",
]
HOSTS = ["evil.example", "@evil.example", "user:pass@evil.example", "evil.example:80", "127.0.0.1", "[::1]", ""]
TAILS = ["/", "?", "#", "&next=//evil.example", "plans/1", "%", ";", ":"]
hostile = st.one_of(
    st.builds(
        lambda lead, first, noise, second, host, tail: lead + first + noise + second + host + tail,
        st.one_of(st.just(""), st.sampled_from(LEADS)),
        st.one_of(st.just("/"), st.sampled_from(SLASHES)),
        st.lists(st.sampled_from(NOISE), max_size=2).map("".join),
        st.one_of(st.just("/"), st.sampled_from(SLASHES)),
        st.sampled_from(HOSTS),
        st.lists(st.sampled_from(TAILS), max_size=3).map("".join),
    ),
    st.text(max_size=40),
)  # fmt: skip


def _follows(location: str) -> str:
    """The origin a browser would go to, following this Location from the sign-in page."""
    return ada_url.URL(location, base=BASE).origin


@pytest.fixture()
def signed_in_client(app, account):
    client = app.test_client()
    assert sign_in(client, account.username).status_code == 302
    return client


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=hostile)
def test_no_next_value_leads_to_another_site(signed_in_client, target):
    """A signed-in browser sent to /login?next=… is sent on at once: the same judgement as after sign-in."""
    resp = signed_in_client.get("/login", query_string={"next": target})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.isascii() and location.startswith("/") and not location.startswith("//")
    assert _follows(location) == ORIGIN, (target, location)


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",  # the reported case: a tab a browser drops, leaving //evil.example
        "/%0a/evil.example",
        "%20//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%5Cevil.example",
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "//evil.example",
        "///evil.example",
        "/\u3000/evil.example",
    ],
)
def test_hostile_next_after_a_real_sign_in_goes_to_the_plans(client, account, target):
    from urllib.parse import quote

    # Raw in the query string, as an attacker's link would carry it.
    resp = sign_in(client, account.username, query="?next=" + quote(target, safe="%/:@\\"))
    assert resp.status_code == 302 and resp.headers["Location"] == "/", target


@pytest.mark.parametrize(
    "target, location",
    [
        ("/plans/7", "/plans/7"),
        ("/plans/7?tab=findings&risk=high", "/plans/7?tab=findings&risk=high"),
        ("/account/password", "/account/password"),
        ("/plans/Ä", "/plans/%C3%84"),
    ],
)
def test_a_same_site_next_is_followed(client, account, target, location):
    resp = sign_in(client, account.username, query="?" + _query(target))
    assert resp.status_code == 302 and resp.headers["Location"] == location
    assert _follows(location) == ORIGIN


def test_a_page_that_needs_sign_in_comes_back_after_it(client, account):
    resp = client.get("/plans/7?tab=findings")
    assert resp.status_code == 302
    login_url = resp.headers["Location"]
    assert login_url.startswith("/login?next=")
    back = sign_in(client, account.username, query=login_url.removeprefix("/login"))
    assert back.headers["Location"] == "/plans/7?tab=findings"


def _query(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})
