"""Login and the API client.

Login: the first time, ``InstalledAppFlow`` opens a browser for the OAuth consent (client id from
``client_secret.json``) and the resulting authorized-user token is stored as JSON, created with mode
0600 and replaced atomically. Later runs load it, refresh the access token when it has expired and
save it again. The token is never printed or logged.

Client: ``googleapiclient`` built from the discovery document bundled with the library (no network
fetch). An API root override (``--youtube-api-root``, for test servers and proxies) rewrites the
document's rootUrl/baseUrl and upload paths before building, because the library derives upload URLs
from rootUrl: setting only ``client_options.api_endpoint`` would leave uploads pointed at Google. With
an override the OAuth token refresh goes to ``<root>/token`` too, so no request leaves for Google.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cache import atomic_write_text
from ..errors import MissingDependency, PublishError

SCOPES = ["https://www.googleapis.com/auth/youtube.force-ssl"]  # upload, captions and playlists
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
HTTP_TIMEOUT = 120.0  # seconds per request; a chunk of 8 MiB on a slow uplink needs a while


class AuthFailed(PublishError):
    """The stored login is missing, expired, revoked or refused."""


class QuotaExhausted(PublishError):
    """YouTube refused the call because the daily quota (or upload limit) is used up."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


QUOTA_REASONS = frozenset({"quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded"})


def _require_google() -> None:
    try:
        import google_auth_httplib2  # noqa: F401
        import google_auth_oauthlib  # noqa: F401
        import googleapiclient  # noqa: F401
    except ImportError:
        raise MissingDependency(
            "google-api-python-client / google-auth-oauthlib",
            "pip install google-api-python-client google-auth-oauthlib google-auth-httplib2") from None


# -- token storage -------------------------------------------------------------------------------
def write_private(path: Path, text: str) -> None:
    """Write a secret: mode 0600 from the first byte, then rename into place (its folder made 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_text(path, text, durable=True, private=True)


def relogin_hint(token_path: Path) -> str:
    return (f"log in again: delete {token_path} and run `python build.py publish` "
            "(it opens a browser for the YouTube login)")


@dataclass
class TokenStore:
    """The authorized-user token file; saves the credentials again whenever the access token changed."""

    path: Path
    credentials: Any = None
    _saved_token: str | None = None

    def save(self) -> None:
        if self.credentials is None:
            return
        write_private(self.path, self.credentials.to_json())
        self._saved_token = self.credentials.token

    def save_if_refreshed(self) -> None:
        if self.credentials is not None and self.credentials.token != self._saved_token:
            self.save()


LoginFn = Callable[[Path, list[str], bool], Any]  # (client_secret, scopes, open_browser) -> Credentials


def browser_login(client_secret: Path, scopes: list[str], open_browser: bool) -> Any:
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_secret), scopes=scopes)
    return flow.run_local_server(
        port=0, open_browser=open_browser,
        authorization_prompt_message="Log in to YouTube in your browser; if none opened, visit:\n{url}",
        success_message="Electric Speech is logged in to YouTube. You can close this tab.",
    )


def load_credentials(token_path: Path, client_secret: Path, *, explicit_token: bool, token_uri: str,
                     http: Any, login: LoginFn | None = None, open_browser: bool = True,
                     notify: Callable[[str], None] = lambda _m: None, policy: Any = None) -> TokenStore:
    """Credentials that are valid now: loaded (and refreshed if needed) or obtained by logging in."""
    _require_google()
    from google.auth.exceptions import RefreshError
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import Request

    store = TokenStore(token_path)
    if token_path.exists():
        try:
            if os.name == "posix" and token_path.stat().st_mode & 0o077:
                token_path.chmod(0o600)  # a login readable by others is a leak waiting to happen
                notify(f"made {token_path} readable only by you")
        except OSError:
            pass
        try:
            info = json.loads(token_path.read_text("utf-8"))
            creds = Credentials.from_authorized_user_info(info, SCOPES)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not an authorized-user token"
            raise AuthFailed(f"cannot use the YouTube token ({reason}); {relogin_hint(token_path)}",
                             token_path) from None
        if token_uri != GOOGLE_TOKEN_URI:
            moved = creds.with_token_uri(token_uri)
            moved.expiry = creds.expiry  # the copy forgets it, and would pass an expired token as valid
            creds = moved
        store.credentials = creds
        store._saved_token = creds.token
    elif explicit_token:
        raise AuthFailed("token file not found", token_path)
    else:
        if not client_secret.exists():
            raise AuthFailed(
                "not logged in to YouTube and no OAuth client to log in with: create an OAuth client "
                "(type Desktop app) for the YouTube Data API v3 in the Google Cloud console, download its "
                f"JSON as {client_secret} (or pass --client-secret FILE) and run publish again", client_secret)
        notify("logging in to YouTube (first run) ...")
        try:
            creds = (login or browser_login)(client_secret, SCOPES, open_browser)
        except Exception as exc:  # the flow raises many kinds (oauthlib, socket, ValueError)
            raise AuthFailed(f"YouTube login failed: {type(exc).__name__}", client_secret) from None
        store.credentials = creds
        store.save()
        notify(f"YouTube login saved to {token_path} (readable only by you)")
    creds = store.credentials
    if not creds.valid:
        if not creds.refresh_token:
            raise AuthFailed(f"the YouTube token has expired and cannot be refreshed; {relogin_hint(token_path)}",
                             token_path)
        from .retry import RetryPolicy, call_with_retries, short_error

        try:
            call_with_retries(lambda: creds.refresh(Request(http)), policy or RetryPolicy(), notify=notify,
                              what="refreshing the YouTube login")
        except RefreshError as exc:
            if getattr(exc, "retryable", False):  # the token server failed, not the login
                raise PublishError("Google's login service did not answer properly; run publish again later") from None
            raise AuthFailed(f"YouTube refused the stored login ({_refresh_reason(exc)}); "
                             f"{relogin_hint(token_path)}", token_path) from None
        except Exception as exc:  # network down: TransportError, OSError, httplib2 errors
            raise PublishError(f"cannot reach the login server to refresh the YouTube login ({short_error(exc)}); "
                               "check the connection and run publish again") from None
        store.save()
    return store


def _refresh_reason(exc: BaseException) -> str:
    # RefreshError args: (message, response body); keep only the OAuth error code, never the body
    text = str(exc.args[0]) if exc.args else ""
    code = text.split(":", 1)[0].strip()
    return code if code and " " not in code else "refresh failed"


# -- the API client -----------------------------------------------------------------------------
def discovery_document(api_root: str = "") -> dict[str, Any]:
    """The bundled YouTube v3 discovery document, every URL in it moved to ``api_root`` if given."""
    _require_google()
    from googleapiclient import discovery_cache

    text = discovery_cache.get_static_doc("youtube", "v3")
    if not text:
        raise MissingDependency("the YouTube discovery document of google-api-python-client",
                                "pip install --upgrade google-api-python-client")
    doc: dict[str, Any] = json.loads(text)
    if not api_root:
        return doc
    root = api_root.rstrip("/") + "/"
    prefix = urllib.parse.urlsplit(root).path.rstrip("/")  # "" unless the root has a path
    doc["rootUrl"] = root
    doc["mtlsRootUrl"] = root
    doc["baseUrl"] = root + doc.get("servicePath", "")

    def walk(resources: dict[str, Any]) -> None:
        for res in resources.values():
            for method in res.get("methods", {}).values():
                for proto in method.get("mediaUpload", {}).get("protocols", {}).values():
                    if "path" in proto:  # absolute paths: keep them under the new root's path
                        proto["path"] = prefix + "/" + proto["path"].lstrip("/")
            walk(res.get("resources", {}))

    walk(doc.get("resources", {}))
    return doc


def token_uri_for(api_root: str) -> str:
    return api_root.rstrip("/") + "/token" if api_root else GOOGLE_TOKEN_URI


def make_http(timeout: float = HTTP_TIMEOUT) -> Any:
    """Plain httplib2 transport as the library sets it up (308 is not a redirect for uploads)."""
    _require_google()
    from googleapiclient.http import build_http

    http = build_http()
    http.timeout = timeout
    return http


def authorized(credentials: Any, http: Any) -> Transport:
    from google_auth_httplib2 import AuthorizedHttp

    return Transport(AuthorizedHttp(credentials, http=http))


_CONNECTION_TYPES: dict[str, Any] = {}


def _connection_type(uri: str) -> Any:
    """httplib2 connection classes that refuse to resend a POST whose answer was lost.

    httplib2 silently sends a request a second time when the connection closes before the answer
    (meant for stale kept-alive connections). For a create call the first one may well have been
    carried out: YouTube would get two caption tracks or two playlist entries. Here the loss surfaces
    as ConnectionResetError instead, and the client looks for the created thing before retrying.
    Idempotent requests (GET, PUT: chunks, updates) keep httplib2's resend."""
    scheme = "https" if uri.startswith("https:") else "http"
    if scheme not in _CONNECTION_TYPES:
        import http.client

        import httplib2

        base = httplib2.HTTPSConnectionWithTimeout if scheme == "https" else httplib2.HTTPConnectionWithTimeout

        class NoBlindResend(base):  # type: ignore[misc, valid-type]
            _es_method = "GET"

            def putrequest(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
                self._es_method = method
                super().putrequest(method, url, *args, **kwargs)

            def getresponse(self) -> Any:
                try:
                    return super().getresponse()
                except http.client.BadStatusLine as exc:
                    if self._es_method == "POST":
                        raise ConnectionResetError(f"connection closed before the answer ({exc})") from None
                    raise

        _CONNECTION_TYPES[scheme] = NoBlindResend
    return _CONNECTION_TYPES[scheme]


class Transport:
    """The authorized httplib2 transport every API request goes through: adds the connection class
    above and lets the uploader learn a resumable session URI the moment the server issues it."""

    def __init__(self, http: Any) -> None:
        self.http = http
        self.credentials = getattr(http, "credentials", None)  # the library checks their universe
        self.on_session: Callable[[str], None] | None = None

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None,
                redirections: int = 5, connection_type: Any = None, **kwargs: Any) -> Any:
        resp, content = self.http.request(uri, method, body=body, headers=headers, redirections=redirections,
                                          connection_type=connection_type or _connection_type(uri), **kwargs)
        if self.on_session is not None and method == "POST" and resp.status == 200 and "location" in resp:
            self.on_session(resp["location"])
        return resp, content


def build_service(authed_http: Any, api_root: str = "") -> Any:
    from googleapiclient.discovery import build, build_from_document

    if api_root:
        return build_from_document(discovery_document(api_root), http=authed_http)
    return build("youtube", "v3", http=authed_http, static_discovery=True, cache_discovery=False)
