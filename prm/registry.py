"""How apps plug into the foundation: registries of names they declare, and hooks they answer.

The foundation (``prm/``) imports no app. An app tells it what it brings (event verbs,
notification kinds, capabilities, menu entries, home cards) by *declaring* them, at import of
its own modules (``events.py``, ``notifications.py``, ``permissions.py``) or in its
``AppConfig.ready``; the foundation reads the registries. A declared name is returned as the
constant the app then uses, so a misspelt constant fails at import, and a misspelt string fails
where the foundation looks it up (``require``), in the first test that passes through.

A ``Hook`` is the other direction: the foundation (or an app below) announces that something
happened (``partner_users_changed``), and the apps above that care connect a function to it in
their ``ready()``. Like the metric registry, and unlike Django signals, a hook is declared in one
place with its arguments, and its receivers are plain functions called in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Names declared by the apps, each with what goes with it (a label, a rule)."""

    def __init__(self, what: str):
        self.what = what
        self._items: dict[str, T] = {}

    def declare(self, name: str, value: T) -> str:
        """Declare ``name``; declaring it again with something else is a programming error."""
        if name in self._items and self._items[name] != value:
            raise ValueError(f"{self.what} {name!r} is declared twice, differently")
        self._items[name] = value
        return name

    def require(self, name: str) -> T:
        """What ``name`` was declared with; an undeclared name is a programming error."""
        try:
            return self._items[name]
        except KeyError:
            raise LookupError(f"unknown {self.what} {name!r}: declare it first") from None

    def get(self, name: str, default: T | None = None) -> T | None:
        return self._items.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self):
        return self._items.items()


class Hook:
    """Something the foundation (or a lower app) announces; higher apps connect receivers."""

    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Callable[..., Any]] = []

    def connect(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        """Add a receiver (usable as a decorator); connecting twice keeps one."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def send(self, **kwargs: Any) -> list[Any]:
        """Call every receiver with ``kwargs``, in the order they connected; their results."""
        return [receiver(**kwargs) for receiver in self._receivers]

    @property
    def receivers(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._receivers)
