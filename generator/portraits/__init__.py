"""The portrait matcher: faces found in the archive and the keyframes of the filmed films (not those the
machine made), checked, aligned and described with dlib (128-d), written as one compact index that the
``portraits/`` page shows as a gallery and searches in the browser.

- :mod:`.models`: where dlib's model files are, and their identity (found without importing dlib);
- :mod:`.finder`: detect, check, align, describe and crop the faces of one image (imports dlib);
- :mod:`.plausible`: whether five landmarks are shaped like a face (arithmetic only);
- :mod:`.index`: the face index's binary format (quantised vectors) and its metadata.
"""
