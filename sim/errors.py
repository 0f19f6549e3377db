"""Exceptions that the command line turns into one-line messages and exit codes.

``InputError`` (exit code 2) is for anything the user can fix in what they gave us: a config, an
override, a path. ``RunError`` (exit code 1) is for a failure while a simulation runs; its message
points at the kept log.
"""

from __future__ import annotations


class MilasimError(Exception):
    """Base class of the errors milasim reports without a traceback."""

    exit_code = 1
    kind = "error"


class InputError(MilasimError):
    """Bad input: a config value, an override, a missing or unreadable file."""

    exit_code = 2
    kind = "input error"


class ConfigError(InputError):
    """A config key with a wrong value. The message starts with the dotted key."""

    kind = "config error"


class RunError(MilasimError):
    """A simulation that failed while running (compiler, binary, numerical blow-up).

    ``transient``: the failure came from the interpreter, not from the run (a ``SystemError``,
    e.g. CPython 3.11's spurious "AST constructor recursion depth mismatch", gh-106905), so the
    same run may well succeed again: a sweep lets Dask retry it instead of recording it failed."""

    exit_code = 1
    kind = "run error"

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient
