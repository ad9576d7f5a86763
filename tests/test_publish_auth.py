"""Login, token storage and authentication failures (no browser is ever opened)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat
from pathlib import Path

import pytest
from fake_youtube import ACCESS_TOKEN, REFRESH_TOKEN, FakeYouTube, PublishSite

from generator.errors import PublishError

SECRETS = (ACCESS_TOKEN, REFRESH_TOKEN, "fake-client-secret")


@pytest.fixture
def fake():
    with FakeYouTube() as yt:
        yield yt


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_no_secret(text: str, *extra: str) -> None:
    for secret in (*SECRETS, *extra):
        assert secret not in text


def test_expired_token_is_refreshed_saved_0600_and_never_shown(tmp_path, fake, caplog):
    caplog.set_level(logging.DEBUG)
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.write_token(fake.token_info(expiry="2000-01-01T00:00:00Z"))
    site.token.chmod(0o644)  # even a too-open file comes back private
    fake.access_tokens.clear()  # only a freshly refreshed token is accepted
    run = site.publish()
    assert run.rc == 0, run.text
    assert fake.attempts("oauth.token") == 1
    saved = json.loads(site.token.read_text())
    assert saved["token"] in fake.access_tokens and saved["refresh_token"] == REFRESH_TOKEN
    assert _mode(site.token) == 0o600
    assert not [p for p in site.token.parent.iterdir() if p.name != site.token.name]  # no temp files left
    _assert_no_secret(run.text + caplog.text, saved["token"])


def test_a_token_file_readable_by_others_is_made_private(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1, playlist="")
    site.token.chmod(0o644)
    run = site.publish()
    assert run.rc == 0, run.text
    assert _mode(site.token) == 0o600 and "readable only by you" in run.err


def test_revoked_login_is_one_line_with_how_to_log_in_again(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    site.write_token(fake.token_info(expiry="2000-01-01T00:00:00Z", refresh_token="revoked-refresh-token"))
    run = site.publish()
    assert isinstance(run.error, PublishError)
    message = str(run.error)
    assert "\n" not in message and "invalid_grant" in message
    assert "log in again" in message and str(site.token) in message
    assert "Traceback" not in run.text
    _assert_no_secret(run.text, "revoked-refresh-token")
    assert fake.mutations() == 0


def test_api_refusing_the_token_is_one_line(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    fake.reject_all_tokens = True  # refreshing works, but every call answers 401
    run = site.publish()
    assert isinstance(run.error, PublishError)
    message = str(run.error)
    assert "\n" not in message and "401" in message and "log in again" in message
    _assert_no_secret(run.text)
    assert fake.mutations() == 0


def test_first_login_runs_the_flow_and_stores_the_token_privately(tmp_path, fake):
    from google.oauth2.credentials import Credentials

    site = PublishSite(tmp_path, fake, films=1, playlist="")
    secret = site.content / "client_secret.json"
    secret.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    token = tmp_path / "config" / "electric-speech" / "youtube-token.json"
    site.settings.youtube.token = str(token)
    logins = []

    def login(client_secret, scopes, open_browser):
        logins.append((client_secret, scopes, open_browser))
        return Credentials(token=ACCESS_TOKEN, refresh_token=REFRESH_TOKEN, token_uri=fake.root + "token",
                           client_id="fake-client.apps.googleusercontent.com", client_secret="fake-client-secret",
                           scopes=scopes, expiry=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1))

    run = site.publish(login=login, youtube_token=None)
    assert run.rc == 0, run.text
    assert logins == [(secret, ["https://www.googleapis.com/auth/youtube.force-ssl"], False)]
    assert _mode(token) == 0o600 and _mode(token.parent) == 0o700
    assert json.loads(token.read_text())["refresh_token"] == REFRESH_TOKEN
    _assert_no_secret(run.text)
    # the second run uses the stored token: no login
    site.film("film-0").title = "Again"
    assert site.publish(login=login, youtube_token=None).rc == 0 and len(logins) == 1


def test_missing_login_material_is_explained(tmp_path, fake):
    site = PublishSite(tmp_path, fake, films=1)
    site.settings.youtube.token = str(tmp_path / "nowhere" / "token.json")
    run = site.publish(youtube_token=None)
    message = str(run.error)
    assert "\n" not in message and "client_secret.json" in message and "Desktop app" in message
    run = site.publish(youtube_token=tmp_path / "missing.json")
    assert "token file not found" in str(run.error)
    assert fake.calls == []


def test_unreachable_server_is_retried_then_one_line(tmp_path, fake):
    import socket

    site = PublishSite(tmp_path, fake, films=1)
    site.write_token(fake.token_info(expiry="2000-01-01T00:00:00Z"))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    run = site.publish(youtube_api_root=dead, max_retries=2)
    message = str(run.error)
    assert "\n" not in message and "cannot reach the login server" in message and "ConnectionRefusedError" in message
    assert len(site.sleeps) == 2 and "Traceback" not in run.text
