"""IIIF Presentation API 3.0 manifests for the archive and the films, so IIIF viewers can open the site's media."""
