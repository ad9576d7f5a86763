"""Narration: the machine reads its captions aloud (audio description, WCAG 1.2.5).

``voices`` speaks (Piper, espeak-ng), ``fit`` decides where each sentence goes and how fast, ``mix``
makes the narration track and the described rendition; :mod:`generator.narration.stage` runs them,
cached per sentence.
"""
