"""Errors a user can cause. The CLI renders them as one line: what, where, and the fix."""

from __future__ import annotations

import re


class PipelineError(Exception):
    """An expected failure (bad config, unreachable source, failing data test).

    Raised by library code and rendered by the CLI as a single line with a non-zero exit.
    Bugs are not PipelineErrors: they keep their traceback.
    """

    exit_code = 1

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [self.what]
        if self.where:
            parts.append(f"in {self.where}")
        line = " ".join(parts)
        if self.fix:
            line += f" - fix: {self.fix}"
        return line


class ConfigError(PipelineError):
    exit_code = 2


class SourceError(PipelineError):
    exit_code = 3


class TransformError(PipelineError):
    exit_code = 4


class PublishError(PipelineError):
    exit_code = 5


class QualityGateError(PipelineError):
    """A quality gate at severity ``error`` failed, so the run published nothing."""

    exit_code = 6


# Library errors that quote the data they choke on, and how to say the same without it.
_DATA_IN_MESSAGES = (
    # Arrow's CSV reader appends the offending row: "Expected 18 columns, got 3: <row>"
    (re.compile(r"(Expected \d+ columns?, got \d+):.*"), r"\1"),
    # "invalid value 'x'", "Could not convert string 'x' to INT32", "with value 'x'",
    # "Failed to parse string: 'x' as ...", "Could not convert 'x' with type str"
    (
        re.compile(
            r"\b(value|string|convert|literal|token)\s*[:=]?\s*(['\"]).*?\2(?=[\s,;:)]|$)", re.I
        ),
        r"\1",
    ),
    # a quoted value after a colon: 'invalid input syntax for type integer: "x"',
    # 'invalid timestamp field format: "x", expected format is ...'
    (re.compile(r":\s*(['\"]).*?\1(?=[\s,;:)]|$)"), ""),
)


def without_values(text: str) -> str:
    """``text`` with the data values a driver or library quotes in its messages taken out:
    errors, logs and ops rows name where and why, never a row's content."""
    for pattern, replacement in _DATA_IN_MESSAGES:
        text = pattern.sub(replacement, text)
    return text


def cause(exc: BaseException) -> str:
    """A library exception for a one-line error: its first line, without data values."""
    text = str(exc).strip()
    return without_values(text.splitlines()[0]) if text else type(exc).__name__
