"""Deployment settings: the documented production settings pass Django's deploy checks,
`sportello check` says which HTTPS switch is still off, and every response carries the
Content-Security-Policy (docs/deploy.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sportello.core.middleware import CONTENT_SECURITY_POLICY

REPO = Path(__file__).resolve().parents[2]
SPORTELLO = Path(sys.executable).parent / "sportello"


def documented_production_settings() -> dict[str, str]:
    """The block docs/deploy.md marks as the production settings, as a dict."""
    text = (REPO / "docs" / "deploy.md").read_text()
    block = re.search(r"<!-- production-settings[^>]*-->\s*```sh\n(.*?)```", text, re.DOTALL)
    assert block, "docs/deploy.md lost its production-settings block"
    pairs = [line.split("=", 1) for line in block.group(1).splitlines() if "=" in line]
    return {name.strip(): value.strip() for name, value in pairs}


def _run(home: Path, command: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPORTELLO_")
        # the browser tests' fixture sets the latter for the session; no deployment would
        and k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(SPORTELLO_HOME=str(home), **settings)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_documented_production_settings_pass_manage_py_check_deploy(tmp_path):
    settings = documented_production_settings()
    assert settings["SPORTELLO_BASE_URL"].startswith("https://")

    result = _run(
        tmp_path,
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="sportello.config.settings",
        **settings,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_the_default_local_settings_fail_the_deploy_check_for_each_https_switch(tmp_path):
    """`make run`'s defaults are for http://127.0.0.1:8000: deploying them unchanged is what
    --deploy is there to catch."""
    result = _run(
        tmp_path,
        [sys.executable, "-m", "django", "check", "--deploy"],
        DJANGO_SETTINGS_MODULE="sportello.config.settings",
    )

    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_sportello_check_warns_about_each_https_switch_left_off(tmp_path):
    result = _run(
        tmp_path,
        [str(SPORTELLO), "check"],
        SPORTELLO_BASE_URL="https://assistenza.example.it",
        SPORTELLO_ALLOWED_HOSTS="assistenza.example.it",
        SPORTELLO_HSTS_SECONDS="3600",
    )

    assert result.returncode == 0, result.stderr
    for check in ("sportello.W001", "sportello.W003", "sportello.W004"):
        assert check in result.stderr
    assert "SPORTELLO_SECURE_COOKIES" in result.stderr
    assert "sportello.W002" not in result.stderr  # HSTS is on
    assert "sportello.W005" not in result.stderr


def test_sportello_check_is_quiet_on_plain_local_http(tmp_path):
    result = _run(tmp_path, [str(SPORTELLO), "check"])

    assert result.returncode == 0, result.stderr
    assert "sportello." not in result.stderr


def test_sportello_check_names_a_base_url_host_that_is_not_allowed(tmp_path):
    settings = documented_production_settings()
    settings["SPORTELLO_ALLOWED_HOSTS"] = "altro.example.it"

    result = _run(tmp_path, [str(SPORTELLO), "check"], **settings)

    assert "sportello.W005" in result.stderr
    assert "assistenza.example.it" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/login/", "/admin/login/", "/api/v1/openapi.json", "/healthz", "/static/web/sportello.css"],
)
def test_every_response_carries_the_content_security_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]


@pytest.mark.django_db
def test_pages_of_the_agent_ui_have_no_inline_script_or_style_element(agent, client):
    """What the policy would refuse must not be in our own templates."""
    client.force_login(agent.user)
    for path in ("/", "/customers/", "/login/"):
        html = client.get(path, follow=True).content.decode()
        assert "<style" not in html
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, script


@pytest.mark.django_db
def test_the_operator_without_an_agent_is_refused_the_api_docs(client):
    from sportello.accounts.actions import create_operator

    client.force_login(create_operator("operatore@example.it", "una-password-lunga"))

    assert client.get("/api/v1/docs").status_code == 403
