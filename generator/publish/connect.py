"""Logging in and building the API client for a publish run, from its options and ``[youtube]``.

Apart from command.py because it loads the Google libraries: a dry run, and a run with nothing
published and nothing to do, never import them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from .client import YouTubeClient
from .retry import RetryPolicy
from .youtube import TokenStore, authorized, build_service, load_credentials, make_http, token_uri_for


@dataclass
class Connection:
    client: YouTubeClient
    tokens: TokenStore


def connect(args: argparse.Namespace, settings: Settings, content_dir: Path, *, notify: Callable[[str], None],
            sleep: Callable[[float], None] | None = None, login: Callable[..., Any] | None = None) -> Connection:
    """A logged-in client (the first time, through the browser login)."""
    yt = settings.youtube
    api_root = (getattr(args, "youtube_api_root", None) or yt.api_root or "").strip()
    explicit = getattr(args, "youtube_token", None)
    token_path = Path(explicit or yt.token).expanduser()
    if not token_path.is_absolute():
        token_path = content_dir / token_path
    secret = Path(getattr(args, "client_secret", None) or yt.client_secret).expanduser()
    if not secret.is_absolute() and getattr(args, "client_secret", None) is None:
        secret = content_dir / secret

    policy = RetryPolicy(max_retries=yt.max_retries)
    if sleep is not None:
        policy.sleep = sleep
    http = make_http(float(getattr(yt, "timeout", 120.0)))
    tokens = load_credentials(token_path, secret, explicit_token=explicit is not None,
                              token_uri=token_uri_for(api_root), http=http, login=login,
                              open_browser=not getattr(args, "no_browser", False), notify=notify, policy=policy)
    authed = authorized(tokens.credentials, http)
    service = build_service(authed, api_root)
    return Connection(YouTubeClient(service, authed, policy, tokens, notify=notify), tokens)
