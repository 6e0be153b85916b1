"""Where a token or a secret could leak, and the checks that it does not: every log record
(any logger, DEBUG included) and every way an exception can be printed."""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Iterable, List, Set


class SecretRegistry:
    """Values that must never be seen: canaries, and every token a transport returned."""

    def __init__(self) -> None:
        self._values: Set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> str:
        if value:
            with self._lock:
                self._values.add(value)
        return value

    def values(self) -> List[str]:
        with self._lock:
            return sorted(self._values)

    def found_in(self, text: str) -> List[str]:
        """The registered values ``text`` contains, shortened so the report leaks nothing."""
        return [f"{value[:6]}… ({len(value)} chars)" for value in self.values() if value in text]


class RecordingHandler(logging.Handler):
    """Keeps every record, fully formatted (arguments, exception and stack included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: List[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception as error:  # a record that cannot be formatted still counts
            text = f"{record.msg!r} {record.args!r} {error!r}"
        self.texts.append(text)


def everything_in(error: BaseException) -> str:
    """Every way an error may reach a log: str, repr, args, attributes, and the whole
    traceback with its cause chain."""
    parts = [str(error), repr(error), repr(error.args), repr(vars(error))]
    parts.extend(traceback.format_exception(type(error), error, error.__traceback__))
    seen = set()
    link = error.__cause__ or error.__context__
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        parts.extend([str(link), repr(link), repr(getattr(link, "__dict__", {}))])
        link = link.__cause__ or link.__context__
    return "\n".join(parts)


def assert_secret_free(registry: SecretRegistry, errors: Iterable[BaseException]) -> None:
    for error in errors:
        leaked = registry.found_in(everything_in(error))
        assert not leaked, f"{type(error).__name__} carries a secret: {leaked}"
