"""What every stand-in system inherits from ``sandbox.web``, checked on the case system:
login, idle expiry, CSRF tokens, roles, the health check and reproducible chaos."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from sandbox.web import ChaosSettings, Outcome, decide

pytestmark = pytest.mark.timeout(120)


def test_login_refuses_a_wrong_password_and_accepts_the_right_one(casesystem, page, login, sandbox_password):
    page.goto(f"{casesystem.url}/children/new")
    assert "/login" in page.url  # not logged in: sent to the login page
    login(page, casesystem.url, password="not-the-password")
    assert "Invalid username or password." in page.locator(".errors").inner_text()
    assert "not-the-password" not in page.content()
    assert page.get_by_label("Password").input_value() == ""
    login(page, casesystem.url)
    assert page.get_by_role("heading", name="Search").is_visible()
    assert "Logged in as robot" in page.locator(".banner").inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "sandbox_casesystem_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{casesystem.url}/")
    assert "/login" in page.url


def test_an_idle_session_expires_to_login_and_returns_to_the_page(start_system, page, login):
    system = start_system("casesystem", session_idle_seconds=1.0)
    login(page, system.url)
    page.goto(f"{system.url}/?surname=Nobody&dob=01/01/2015")
    time.sleep(1.5)
    page.reload()
    assert "/login" in page.url
    assert "Your session has expired, please log in again" in page.locator(".notice").inner_text()
    page.get_by_label("Username").fill("robot")
    page.get_by_label("Password").fill("sandbox-test-password")
    page.get_by_role("button", name="Log in").click()
    assert page.url == f"{system.url}/?surname=Nobody&dob=01/01/2015"
    assert page.get_by_label("Surname").input_value() == "Nobody"


def test_a_post_without_a_valid_form_token_is_refused(casesystem, page, login):
    login(page, casesystem.url)
    page.goto(f"{casesystem.url}/children/new")
    form = {"forename": "Ivy", "surname": "Forged", "dob": "01/01/2015", "gender": "Female"}
    for token in (None, "not-the-token"):
        data = form if token is None else {**form, "csrf_token": token}
        response = page.request.post(f"{casesystem.url}/children/new", form=data, max_redirects=0)
        assert response.status == 403
        assert "Invalid or missing form token" in response.text()
    # The same session's own token is accepted (the form then reports what is missing).
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(f"{casesystem.url}/children/new", form={**form, "csrf_token": token})
    assert response.status == 200 and "Enter the NHS number" in response.text()
    # Without the session cookie the token is worth nothing: the login form comes back.
    anonymous = httpx.post(f"{casesystem.url}/children/new", data={**form, "csrf_token": token})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_the_login_form_has_a_token_too(casesystem):
    response = httpx.post(f"{casesystem.url}/login", data={"username": "robot", "password": "sandbox-test-password"})
    assert response.status_code == 403


def test_admin_chaos_refuses_a_clerk_and_lets_the_admin_change_it(casesystem, page, login):
    login(page, casesystem.url, username="robot")
    response = page.goto(f"{casesystem.url}/admin/chaos")
    assert response.status == 403 and "Access denied" in page.content()

    login(page, casesystem.url, username="sandbox.admin")
    page.goto(f"{casesystem.url}/admin/chaos")
    page.get_by_label("Preset").select_option("custom")
    page.get_by_label("Share of busy pages").fill("1")
    page.get_by_role("button", name="Save settings").click()
    assert "Chaos settings saved." in page.locator(".flash").inner_text()
    assert casesystem.context.chaos.settings.busy_rate == 1.0
    page.goto(f"{casesystem.url}/")
    assert page.get_by_role("heading", name="System busy, please try again").is_visible()
    assert page.get_by_role("link", name="Retry").get_attribute("href") == "/"
    page.goto(f"{casesystem.url}/admin/chaos")  # never busy itself, so chaos can always be turned off
    page.get_by_label("Preset").select_option("off")
    page.get_by_role("button", name="Save settings").click()
    page.goto(f"{casesystem.url}/")
    assert page.get_by_role("heading", name="Search").is_visible()


def test_healthz_needs_no_login(casesystem):
    response = httpx.get(f"{casesystem.url}/healthz")
    assert response.status_code == 200 and response.json()["system"] == "casesystem"


def _outcomes(url: str, requests: int = 60) -> list[str]:
    """Log in, then ask for the search page ``requests`` times, logging in again when sent to login;
    what each answer was, as a person would tell them apart."""
    seen: list[str] = []
    with httpx.Client(base_url=url) as client:

        def log_in() -> None:
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            client.post("/login", data={"username": "robot", "password": "sandbox-test-password",
                                        "csrf_token": token})

        log_in()
        for _ in range(requests):
            r = client.get("/")
            if r.status_code == 303:
                seen.append("expired")
                log_in()
            elif "System busy, please try again" in r.text:
                seen.append("busy")
            elif "System error" in r.text:
                seen.append(f"error {r.status_code}")
            else:
                seen.append("ok")
    return seen


def test_chaos_with_a_seed_gives_the_same_outcomes_twice(start_system):
    chaos = ChaosSettings(preset="custom", error_rate=0.2, busy_rate=0.2, expire_rate=0.15, seed=7,
                          latency_min_ms=0, latency_max_ms=5)
    first = _outcomes(start_system("casesystem", chaos=chaos).url)
    second = _outcomes(start_system("casesystem", chaos=chaos).url)
    assert first == second
    assert {"ok", "busy", "error 500", "error 200", "expired"} <= set(first)
    other = _outcomes(start_system("casesystem", chaos=ChaosSettings(**{**chaos.as_dict(), "seed": 8})).url)
    assert other != first


def test_chaos_rule_is_pure_and_presets_validate():
    heavy = ChaosSettings.from_preset("heavy", seed=3)
    draws = [decide("casesystem", heavy, n, "POST") for n in range(1, 500)]
    assert draws == [decide("casesystem", heavy, n, "POST") for n in range(1, 500)]
    assert all(0.05 <= d.latency_s <= 0.8 for d in draws)
    assert Outcome.ERROR_AFTER in {d.outcome for d in draws}  # a POST may be saved and still fail
    assert decide("casesystem", ChaosSettings(), 1).outcome is Outcome.NONE
    assert ChaosSettings.from_preset("light", error_rate=0.5).preset == "custom"
    with pytest.raises(ValueError, match="unknown chaos preset"):
        ChaosSettings.from_preset("medium")
    with pytest.raises(ValueError, match="must not exceed 1"):
        ChaosSettings(error_rate=0.6, busy_rate=0.6).validated()
