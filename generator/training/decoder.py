"""The language side: a small transformer decoder over the frozen CNN's features (torch).

The 1280-d feature vector is projected to ``memory_tokens`` vectors that the decoder attends to (one vector
would do; a few let attention pick different aspects of the picture at each word). Pre-norm layers, learned
positions, weights tied between the word embedding and the output layer (fewer parameters to learn from a
small archive). Generation is beam search with a length normalisation, deterministic for given weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class DecoderConfig:
    vocab_size: int
    feature_dim: int = 1280
    d_model: int = 256
    heads: int = 4
    layers: int = 2
    max_len: int = 24  # tokens, <bos> and <eos> included
    memory_tokens: int = 4
    dropout: float = 0.1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CaptionDecoder(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.project = nn.Sequential(nn.LayerNorm(cfg.feature_dim), nn.Linear(cfg.feature_dim, d * cfg.memory_tokens))
        self.embed = nn.Embedding(cfg.vocab_size, d)
        self.position = nn.Embedding(cfg.max_len, d)
        layer = nn.TransformerDecoderLayer(d, cfg.heads, 4 * d, cfg.dropout, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, cfg.layers)
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, cfg.vocab_size, bias=False)
        self.out.weight = self.embed.weight  # tied
        # torch's N(0, 1) embedding would make the tied output's first logits huge (a first loss near 70)
        nn.init.normal_(self.embed.weight, std=d ** -0.5)

    def memory(self, features: torch.Tensor) -> torch.Tensor:
        memory: torch.Tensor = self.project(features).view(len(features), self.cfg.memory_tokens, self.cfg.d_model)
        return memory

    def forward(self, features: torch.Tensor, tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
        """Logits (B, T, V) for next-token prediction of ``tokens`` (B, T) given image ``features`` (B, F)."""
        return self.step(self.memory(features), tokens, pad)

    def step(self, memory: torch.Tensor, tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
        t = tokens.shape[1]
        x = self.embed(tokens) + self.position(torch.arange(t, device=tokens.device))
        causal = torch.triu(torch.ones((t, t), dtype=torch.bool, device=tokens.device), diagonal=1)
        h = self.decoder(x, memory, tgt_mask=causal, tgt_key_padding_mask=tokens == pad)
        logits: torch.Tensor = self.out(self.norm(h))
        return logits

    @torch.inference_mode()
    def generate(self, features: torch.Tensor, bos: int, eos: int, beam: int = 3,
                 length_penalty: float = 0.7) -> list[list[int]]:
        """The best token ids (after <bos>, up to <eos>) for each image, by beam search."""
        out = []
        memory = self.memory(features)
        for i in range(len(features)):
            mem = memory[i:i + 1]
            beams: list[tuple[float, list[int]]] = [(0.0, [bos])]
            done: list[tuple[float, list[int]]] = []
            for _ in range(self.cfg.max_len - 1):
                if not beams:
                    break
                tokens = torch.tensor([b for _, b in beams], device=features.device)
                logp = self.step(mem.expand(len(beams), -1, -1), tokens)[:, -1].log_softmax(-1)
                candidates = []
                for (score, seq), row in zip(beams, logp):
                    top = row.topk(beam)
                    for lp, tok in zip(top.values.tolist(), top.indices.tolist()):
                        candidates.append((score + lp, [*seq, tok]))
                candidates.sort(key=lambda c: -c[0])
                beams = []
                for score, seq in candidates[:beam]:
                    if seq[-1] == eos:
                        done.append((score / (len(seq) - 1) ** length_penalty, seq))
                    else:
                        beams.append((score, seq))
            done.extend((s / (len(q) - 1) ** length_penalty, q) for s, q in beams)
            best = max(done, key=lambda c: c[0])[1]
            out.append([t for t in best[1:] if t != eos])
        return out
