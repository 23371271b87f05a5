"""Deterministic random helpers: named RNG streams, exact allocation and exact selection."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent RNG stream per purpose, so one stream's draws never shift another's.

    String seeds are hashed with SHA-512 by ``random.Random``: stable across runs and platforms.
    """
    return random.Random("/".join(str(part) for part in (seed, *parts)))


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    weight_sum = float(sum(weights))
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * w / weight_sum for w in weights]
    counts = [math.floor(r) for r in raw]
    short = total - sum(counts)
    by_remainder = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts


def apportion_capped(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """``apportion`` with a per-slot maximum; what a full slot cannot take goes to the others."""
    total = min(total, sum(caps))
    counts = [0] * len(weights)
    open_slots = [i for i, cap in enumerate(caps) if cap > 0]
    remaining = total
    while remaining > 0 and open_slots:
        share = apportion(remaining, [weights[i] if weights[i] > 0 else 1e-9 for i in open_slots])
        still_open = []
        for i, extra in zip(open_slots, share, strict=True):
            take = min(extra, caps[i] - counts[i])
            counts[i] += take
            remaining -= take
            if counts[i] < caps[i]:
                still_open.append(i)
        open_slots = still_open
    return counts


class ExactSelector:
    """Choose exactly ``k`` of ``n`` items shown one at a time (Knuth's selection sampling).

    Every subset of size ``k`` is equally likely, and nothing is held in memory: the generator
    uses it to pick which orders are cancelled, which spawn a ticket, and so on, while streaming.
    """

    __slots__ = ("k", "n", "rng")

    def __init__(self, k: int, n: int, rng: random.Random) -> None:
        self.k = max(0, min(k, n))
        self.n = n
        self.rng = rng

    def take(self) -> bool:
        if self.n <= 0:
            return False
        chosen = self.rng.random() * self.n < self.k
        self.n -= 1
        if chosen:
            self.k -= 1
        return chosen


class Chooser(Generic[T]):
    """Weighted choice by bisection on cumulative weights (fast for repeated draws)."""

    __slots__ = ("cumulative", "items", "last", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]
        self.last = len(self.items) - 1

    def pick(self, rng: random.Random) -> T:
        i = bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[i if i <= self.last else self.last]


def skewed_durations(
    rng: random.Random, n: int, mean: float, *, sigma: float, low: float, high: float
) -> list[float]:
    """``n`` lognormal draws rescaled so their mean is exactly ``mean``, all within [low, high].

    Right-skewed like real handling times (median below mean). Clipping and rescaling alternate
    until both the bounds and the mean hold.
    """
    if n == 0:
        return []
    values = [rng.lognormvariate(0.0, sigma) for _ in range(n)]
    for _ in range(50):
        factor = mean * n / sum(values)
        values = [min(high, max(low, v * factor)) for v in values]
        if abs(sum(values) / n - mean) < 1e-9 * mean:
            break
    return values


def seconds_with_mean(
    values: Sequence[float], mean_seconds: float, rng: random.Random, *, minimum: int
) -> list[int]:
    """Round durations to whole seconds keeping their total at round(mean_seconds * n)."""
    seconds = [max(minimum, round(v)) for v in values]
    gap = round(mean_seconds * len(seconds)) - sum(seconds)
    order = list(range(len(seconds)))
    rng.shuffle(order)
    step = 1 if gap > 0 else -1
    while gap:
        moved = False
        for i in order:
            if gap == 0:
                break
            if step < 0 and seconds[i] <= minimum:
                continue
            seconds[i] += step
            gap -= step
            moved = True
        if not moved:
            break
    return seconds
