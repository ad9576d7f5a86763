"""The review page of `build.py serve` (``/review/``): queues of images a curator decides yes or no on, one
at a time, each decision written to a CSV in the site folder by the local server. Never part of the static site."""
