"""Prompts of real length for the scale days.

The scale day's own prompts are short (at most about 50 tokens); real prompts are not: on a day
sampled from real corpora the median is 223 characters, the 90th percentile 1,077 and the
longest 144,000. :class:`RealLengths` turns each synthetic prompt into one of real length and
keeps the day's structure: the same synthetic prompt always becomes the same text (repeats stay
repeats, distinct prompts stay distinct), and the synthetic prompt stays in it (its account's
templates and topics still show).

With the prompt corpora present, a real prompt drawn by the synthetic prompt's hash leads the
text, so lengths and wording are real; without them, the text is padded to a length drawn from
a log-normal with the real median and 90th percentile.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa

MEDIAN_CHARS, P90_CHARS, MAX_CHARS = 223, 1_077, 144_000
_SIGMA = math.log(P90_CHARS / MEDIAN_CHARS) / 1.2815515655446004  # the 90th percentile of a standard normal
_FILLER = (" Please explain the reasoning step by step, compare the main alternatives, give a short worked "
           "example, list the assumptions, note the common mistakes, and end with a summary a newcomer could "
           "follow; keep the answer organised under clear headings and cite where each idea comes from.")


class RealLengths:
    """Lengthens synthetic prompts to real prompt lengths (see the module docstring)."""

    def __init__(self, corpus: str | Path | None, *, per_file: int = 10_000, seed: int = 0) -> None:
        """Read up to ``per_file`` prompts (a fixed sample) from each of the corpora's ``benign/`` and
        ``distill/`` files, if present, so that no one large file (132,000 persona statements) sets the lengths."""
        self.texts: list[str] = []
        root = Path(corpus) if corpus is not None else None
        if root is not None and root.is_dir():
            rng = np.random.default_rng(seed)
            for path in sorted([*root.glob("benign/*.jsonl.gz"), *root.glob("distill/*.jsonl.gz")]):
                with gzip.open(path, "rt", encoding="utf-8") as lines:
                    texts = [json.loads(line)["text"] for line in lines]
                if len(texts) > per_file:
                    texts = [texts[i] for i in np.sort(rng.choice(len(texts), size=per_file, replace=False))]
                self.texts += texts

    @property
    def source(self) -> str:
        """Where the lengths come from, for reports."""
        return f"{len(self.texts):,} real prompts" if self.texts else "a log-normal of real prompt lengths"

    def lengthen(self, prompts: pa.Array) -> pa.Array:
        """The prompts at real length, each a function of the prompt alone."""
        return pa.array([self._one(p) for p in prompts.to_pylist()], type=pa.string())

    def _one(self, prompt: str) -> str:
        h = int.from_bytes(hashlib.blake2b(prompt.encode(), digest_size=8).digest(), "little")
        if self.texts:
            return f"{self.texts[h % len(self.texts)]}\n\n{prompt}"
        u = ((h >> 11) + 0.5) / 2.0 ** 53  # uniform in (0, 1), from the hash
        target = min(MAX_CHARS, int(MEDIAN_CHARS * math.exp(_SIGMA * _normal_quantile(u))))
        if target <= len(prompt):
            return prompt
        need = target - len(prompt)
        filler = _FILLER * (need // len(_FILLER) + 1)
        return prompt + filler[:need]


def _normal_quantile(u: float) -> float:
    """The standard normal's quantile (Acklam's rational approximation, |error| < 1.2e-9)."""
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if u < 0.02425:
        q = math.sqrt(-2 * math.log(u))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if u > 1 - 0.02425:
        return -_normal_quantile(1 - u)
    q = u - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
