"""End-to-end tests use the session-wide `demo` / `demo_copy` fixtures of tests/conftest.py."""

from tests.conftest import Project

__all__ = ["Project"]
