"""Electric Speech: a static publisher for machine-read documentaries."""

__version__ = "0.1.0"
