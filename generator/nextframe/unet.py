"""A small U-Net (torch): an encoder of ``depth`` levels, each halving the picture and doubling the
channels from ``width``, a decoder that upsamples and concatenates the encoder's features at each level
(the skip connections carry the fine detail a next-frame or landmark-to-face map mostly copies).

No normalisation layers: batches are small (a few frames) and a next-frame net is run on its own output,
where batch statistics would differ from training. Output in [0, 1] through a sigmoid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 6  # 3 per input frame (or a landmark drawing)
    out_channels: int = 3
    width: int = 16  # channels of the first level
    depth: int = 3  # levels below the first: the picture's sides must be multiples of 2**depth

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def multiple(self) -> int:
        return int(2 ** self.depth)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2, inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.LeakyReLU(0.2, inplace=True))


class UNet(nn.Module):
    def __init__(self, cfg: UNetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        widths = [cfg.width * 2 ** i for i in range(cfg.depth + 1)]
        self.inp = _block(cfg.in_channels, widths[0])
        # strided convolutions learn their own downsampling (cheaper than conv + pool at these sizes)
        self.down = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, 3, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True), _block(b, b))
            for a, b in zip(widths, widths[1:]))
        self.reduce = nn.ModuleList(nn.Conv2d(b, a, 1) for a, b in zip(widths, widths[1:]))
        self.up = nn.ModuleList(_block(2 * a, a) for a in widths[:-1])
        self.out = nn.Conv2d(widths[0], cfg.out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.inp(x)]
        for down in self.down:
            skips.append(down(skips[-1]))
        h = skips.pop()
        for level in reversed(range(self.cfg.depth)):
            # bilinear upsampling then a 1x1 reduction: no checkerboard artefacts of transposed convolutions
            h = nn.functional.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
            h = self.up[level](torch.cat([self.reduce[level](h), skips[level]], dim=1))
        return torch.sigmoid(self.out(h))
