"""The machine dreams: gradient ascent on the offline EfficientNet-Lite0 (``ascent``), presets by name
(``presets``), the channel atlas (``atlas``) and dream films carried along the optical flow (``film``).
Only ``presets`` is light; the others import torch (and OpenCV) when they compute."""
