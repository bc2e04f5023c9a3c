"""Durations in words, for messages and tables: ``duration(3720)`` -> ``'1 h 2 min'``."""

from __future__ import annotations

__all__ = ["duration", "relative"]


def duration(seconds: float) -> str:
    """``75`` -> ``'75 s'``; ``3540`` -> ``'59 min'``; ``7200`` -> ``'2 h'``; ``259200`` -> ``'3 days'``."""
    try:
        s = abs(int(seconds))
    except (OverflowError, ValueError):
        return "an unrepresentable time"
    if s < 90:
        return f"{s} s"
    if s < 90 * 60:
        return f"{s // 60} min"
    if s < 48 * 3600:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{s // 86400} days"


def relative(seconds: float) -> str:
    """``3540`` -> ``'in 59 min'``; ``-7200`` -> ``'2 h ago'``."""
    text = duration(seconds)
    try:
        future = seconds >= 0
    except TypeError:
        future = True
    return f"in {text}" if future else f"{text} ago"
