"""The options of ``build.py publish``, kept apart from the publishing code so that building the command
line parser imports nothing of it."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("publishing to YouTube")
    g.add_argument("--dry-run", action="store_true",
                   help="print what would be uploaded or updated and the quota it costs; send nothing")
    g.add_argument("--only", action="append", metavar="SLUG",
                   help="publish only this film (repeatable)")
    g.add_argument("--youtube-token", type=Path, metavar="FILE",
                   help="use this authorized-user token file (default: [youtube] token in site.toml)")
    g.add_argument("--client-secret", type=Path, metavar="FILE",
                   help="OAuth client JSON for the first login (default: [youtube] client_secret)")
    g.add_argument("--youtube-api-root", metavar="URL",
                   help="send every API request, uploads and token refreshes included, to this root (tests, proxies)")
    g.add_argument("--max-retries", type=int, metavar="N",
                   help="retries per request on network errors and 5xx answers (default: [youtube] max_retries)")
    g.add_argument("--replace-changed-video", action="store_true",
                   help="upload a film whose video file changed as a new video (default: only warn)")
    g.add_argument("--reupload-missing", action="store_true",
                   help="upload again, with its caption track, each film whose video was deleted on YouTube "
                        "(publish checks the ledger's videos first, 1 quota unit per 50; default: report them "
                        "and send nothing for them)")
    g.add_argument("--no-browser", action="store_true",
                   help="first login: print the login address instead of opening a browser")
