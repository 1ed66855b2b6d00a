"""Who may see and do what in the portal, for every route the application defines.

The routes are read from the application itself, so a page added later is covered
without touching this file: an anonymous visitor gets only the sign-in page, a viewer
gets 403 on every action above their role, and a POST without the session's CSRF
token is refused.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from portal import web
from portal.app import create_app
from portal.users import ROLES, Users

PASSWORD = "a long enough password"
SAMPLES = {"queue": "referrals", "item_id": "1", "run_id": "20261126T013000-referrals", "path": "1-step/log.html",
           "name": "report.png", "day": "2026-11-26"}


def sample_url(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLES.get(m.group(1), "x"), path)


@pytest.fixture
def app(store):
    return create_app(store)


def client_as(app, store, role: str | None) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    if role is not None:
        Users(store).add(f"{role}-user", role, PASSWORD)
        csrf = client.get("/api/login").json()["csrf"]
        signed_in = client.post("/login", data={"name": f"{role}-user", "password": PASSWORD, "csrf": csrf})
        assert signed_in.status_code == 303, signed_in.text
    return client


def csrf_of(client: TestClient) -> str:
    return client.get("/api/login").json()["csrf"]


def app_routes(app) -> list[tuple[str, str, web.Spec | None]]:
    """(method, path, spec) for every route the application defines."""
    specs = {s.path: s for s in web.REGISTRY}
    out = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue  # the /static mount
        for method in sorted((route.methods or set()) - {"HEAD"}):
            plain = route.path.removeprefix("/api") if route.path.startswith("/api/") or route.path == "/api" else route.path
            out.append((method, route.path, specs.get(plain or "/")))
    return out


def test_an_anonymous_visitor_sees_only_the_sign_in_page(app, store):
    client = client_as(app, store, None)
    routes = app_routes(app)
    assert len(routes) > 5
    for method, path, spec in routes:
        url = sample_url(path)
        # the public chatbot (role None) is meant for anyone: tests/portal/test_chat.py covers it
        public = path in ("/healthz", "/login", "/api/login") or (spec is not None and spec.role is None)
        response = client.request(method, url, data={"csrf": csrf_of(client)} if method == "POST" else None)
        if public:
            continue
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.json() == {"error": "sign in first (POST /login)"}
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), (
                method, url, response.status_code)
    # and nothing else is public by mistake
    assert {spec.path for spec in web.REGISTRY if spec.role is None} == {"/login", "/chat", "/chat/embed"}
    page = client.get("/login")
    assert page.status_code == 200 and "Sign in" in page.text
    assert client.get("/healthz").text == "ok"


def test_every_action_above_a_viewer_is_refused_to_a_viewer(app, store):
    client = client_as(app, store, "viewer")
    refused = 0
    for method, path, spec in app_routes(app):
        if spec is None or spec.role is None or ROLES.index(spec.role) <= ROLES.index("viewer"):
            continue
        response = client.request(method, sample_url(path), data={"csrf": csrf_of(client)})
        assert response.status_code == 403, (method, path, response.status_code)
        refused += 1
    # and the pages a viewer may read answer (or say the sample id does not exist)
    for method, path, spec in app_routes(app):
        if method == "GET" and spec is not None and spec.role == "viewer":
            assert client.get(sample_url(path)).status_code in (200, 400, 404), path
    assert refused >= 3  # retry, resolve, edit at least


def test_a_post_without_the_csrf_token_is_refused(app, store):
    client = client_as(app, store, "admin")
    for method, path, spec in app_routes(app):
        if method != "POST" or spec is None or spec.role is None:
            continue
        forged = client.post(sample_url(path), data={"note": "x"})
        assert forged.status_code == 403, (path, forged.status_code)
        wrong = client.post(sample_url(path), data={"csrf": "not-the-token"})
        assert wrong.status_code == 403, path
    # the forged sign-out did nothing: still signed in
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf": csrf_of(client)}).status_code == 303
    assert client.get("/").status_code == 303


def test_the_session_cookie_is_http_only_and_same_site(app, store):
    client = TestClient(app, follow_redirects=False)
    Users(store).add("ann", "viewer", PASSWORD)
    csrf = client.get("/api/login").json()["csrf"]
    response = client.post("/login", data={"name": "ann", "password": PASSWORD, "csrf": csrf})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_repeated_failed_sign_ins_lock_the_name_for_a_while(app, store):
    client = TestClient(app, follow_redirects=False)
    Users(store).add("bob", "supervisor", PASSWORD)
    for _ in range(5):
        csrf = csrf_of(client)
        assert client.post("/login", data={"name": "bob", "password": "wrong password", "csrf": csrf}).status_code == 401
    refused = client.post("/login", data={"name": "bob", "password": PASSWORD, "csrf": csrf_of(client)})
    assert refused.status_code == 401 and "too many failed sign-ins" in refused.text
    # an unknown name says the same as a wrong password: nothing tells which names exist
    unknown = client.post("/login", data={"name": "nobody", "password": PASSWORD, "csrf": csrf_of(client)})
    assert "the name or the password is not right" in unknown.text


def test_sign_in_goes_back_only_to_a_page_of_this_site(app, store):
    client = TestClient(app, follow_redirects=False)
    Users(store).add("cat", "viewer", PASSWORD)
    for target, expected in (("/runs", "/runs"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        csrf = csrf_of(client)
        response = client.post("/login", data={"name": "cat", "password": PASSWORD, "csrf": csrf, "next": target})
        assert response.headers["location"] == expected
        client.post("/logout", data={"csrf": csrf_of(client)})


def test_a_disabled_user_is_signed_out_at_the_next_page(app, store):
    client = client_as(app, store, "supervisor")
    assert client.get("/").status_code == 200
    Users(store).set_disabled("supervisor-user", True)
    assert client.get("/").status_code == 303
