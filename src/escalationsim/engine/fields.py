"""Per-complaint fields, declared once by the code that writes them.

A :class:`Customer` is built for every complaint, so a field that most complaints never
change is not set in its ``__init__``: it is a class attribute holding the default, read
through the instance until a complaint sets its own value (the kernel's
:class:`~escalationsim.kernel.sparse.SparseRecord`), and packed into the complaint's row
only by the complaints that wrote it (:class:`~escalationsim.kernel.rows.PackedRows`).
The module that writes such a field declares it here (:func:`declare`): its name, the
numpy dtype of its column, its default, what it means, and whether it is a column of
the complaint table (and under which name). The declaration sets the class default (not
for a slot field: the journey fields every complaint sets when built, declared in
:mod:`escalationsim.engine.customer` and here at import, and the few fields of other
modules that most complaints write, :data:`~escalationsim.engine.customer.OFTEN`) and
gives the recorder its column (:mod:`escalationsim.engine.recorder`), so a new
per-complaint measurement is one declaration beside the code that counts it; a plugin's
field (a channel of its own) becomes a column of ``complaints.parquet`` and can be
summed by a declared reduction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from escalationsim.config.fields import did_you_mean
from escalationsim.engine.customer import DENSE, OFTEN, Customer
from escalationsim.kernel.sparse import Field

_DECLARED: dict[str, Field] = {}


def declare(*fields: Field) -> None:
    """Declare per-complaint fields and set each one's class default on
    :class:`Customer` (a slot field: checked to be one of its slots). A name set in
    ``Customer.__init__`` (a slot) declared as a class default, or a name declared by
    another owner or otherwise, is a ValueError naming it; declaring the same field again
    (a module imported twice) is harmless."""
    for f in fields:
        if (f.name in Customer.__slots__) != f.slot:
            raise ValueError(
                f"{f.owner} declares field {f.name!r}, which every Customer sets when it is "
                "built (a slot): choose another name"
                if not f.slot
                else f"{f.owner} declares field {f.name!r} as a slot, which Customer does not have"
            )
        if f.name in OFTEN and OFTEN[f.name] != f.default:
            raise ValueError(
                f"{f.owner} declares field {f.name!r} with default {f.default!r}, but "
                f"Customer sets it to {OFTEN[f.name]!r} when built (engine.customer.OFTEN)"
            )
        old = _DECLARED.get(f.name)
        if old is not None and old != f:
            raise ValueError(
                f"field {f.name!r} is declared by both {old.owner!r} and {f.owner!r}"
                + ("" if old.owner != f.owner else " differently")
            )
        _DECLARED[f.name] = f
        if not f.slot:
            Customer.set_default(f.name, f.default)


@contextmanager
def declaring(*fields: Field) -> Iterator[None]:
    """Declare ``fields`` for the duration of a ``with`` block (for tests and notebooks:
    a plugin declares its fields once, at import)."""
    new = [f for f in fields if f.name not in _DECLARED]
    declare(*fields)
    try:
        yield
    finally:
        for f in new:
            del _DECLARED[f.name]
            if not f.slot:
                Customer.clear_default(f.name)


def declared() -> dict[str, Field]:
    """Every declared field by name, in declaration order."""
    return dict(_DECLARED)


def field(name: str) -> Field:
    """The declared field ``name``; a KeyError saying which was probably meant."""
    try:
        return _DECLARED[name]
    except KeyError:
        hint = did_you_mean(name, _DECLARED)
        raise KeyError(f"no per-complaint field {name!r} is declared{hint}") from None


declare(*DENSE)  # the journey fields every Customer sets when built (its slots)

__all__ = ["Field", "declare", "declared", "declaring", "field"]
