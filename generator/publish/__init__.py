"""``python build.py publish``: films and their machine caption tracks to YouTube.

quota.py (costs, reset time), ledger.py (what is on YouTube), metadata.py (title, description, tags
within YouTube's limits), disclosure.py (how a film was made: the altered-or-synthetic flag and the
description's words for it), plan.py (what a run will do, no network), youtube.py (login, token, API
client), retry.py (backoff), client.py (the calls), connect.py (login and client for a run),
uploader.py (carrying out a plan), command.py (the command). Only ledger.py is imported by the
build; the Google libraries load only to publish.
"""
