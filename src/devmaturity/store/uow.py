"""The unit of work: one transaction for one use case, and the store bound to it.

    with store.unit_of_work() as uow:
        uow.store.save_assessment(...)
        uow.store.finish_run(run_id, "ok", ...)

Every read and write made through `uow.store` runs on the unit's one connection: the reads see what the use case
wrote so far, and the writes commit together when the block ends, or roll back together, leaving nothing, when it
raises (a crash, an error, Ctrl-C). Actions given to `after_commit` (queue a job, tell a listener) run only once
the commit is done, so nobody acts on what might still roll back. Store methods called on the store itself keep
their own transaction each, for the callers not converted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from devmaturity.errors import StoreError
from devmaturity.store.db import Store, write_failed


@dataclass(slots=True, kw_only=True)
class UnitOfWork:
    """The store bound to one transaction (`store`), and what to run after it commits."""

    store: Store
    connection: Connection
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the unit has committed; never if it rolls back."""
        self._after_commit.append(action)


@contextmanager
def open_unit(root: Store) -> Iterator[UnitOfWork]:
    """Begin the unit's transaction on `root`'s engine; commit at the end of the block, roll back on any error."""
    if root.in_unit_of_work:
        raise StoreError("a unit of work cannot open another inside it: pass its store on")
    bound: Store | None = None
    try:
        with root.engine.begin() as conn:
            bound = Store(root.engine, bound=conn, root=root)
            unit = UnitOfWork(store=bound, connection=conn)
            yield unit
    except SQLAlchemyError as exc:
        raise write_failed(exc) from None
    finally:
        if bound is not None:
            bound.end_unit()
    for action in unit._after_commit:
        action()
