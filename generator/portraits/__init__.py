"""The portrait matcher: faces found in the archive and the films' keyframes, aligned and described
with dlib (128-d), written as one compact index that the ``portraits/`` page searches in the browser.

- :mod:`.models`: where dlib's model files are, and their identity (found without importing dlib);
- :mod:`.finder`: detect, align, describe and crop the faces of one image (imports dlib);
- :mod:`.index`: the face index's binary format (quantised vectors) and its metadata.
"""
