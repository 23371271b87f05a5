"""Errors a user can cause. The CLI renders them as one line: what, where, and the fix."""

from __future__ import annotations


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
