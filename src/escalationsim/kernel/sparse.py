"""Objects built in large numbers whose rarely-written fields cost nothing until written.

Speed: the model builds one object per complaint, and most of its fields keep their
initial value in most complaints (a post's impressions, a back-office chase, the CEO's
answer). Setting each in ``__init__`` would cost a store per field per complaint. A
:class:`SparseRecord` subclass keeps its always-written fields in ``__slots__`` and gives
each rarely-written one a class attribute holding its default (:meth:`set_default`):
read through the instance until a complaint writes its own value, which then lives in
the instance's ``__dict__``, created on that first write only. So the values an object
set itself are exactly its ``__dict__`` (:func:`written`), which is what
:class:`~escalationsim.kernel.rows.PackedRows` packs for the sparse columns: a few
entries for the objects that wrote any, nothing for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One field of a record built per complaint (the engine's ``Customer``): the
    attribute ``name``, the numpy ``dtype`` of its column, its ``default``, what it
    means, who writes it (``owner``, for messages), and its column in the complaint
    table (``column``: its name there, the attribute's by default; ``recorded=False``:
    working state, not a column). Declared with
    :func:`escalationsim.engine.fields.declare`."""

    name: str
    dtype: str
    default: Any
    doc: str
    owner: str
    column: str = ""
    recorded: bool = True
    slot: bool = False
    """Set for every object when it is built (one of its class's slots), not a class
    default: a dense column, packed for every row. Its ``default`` is the value the
    constructor sets (tests/test_customer.py checks they agree)."""

    @property
    def column_name(self) -> str:
        return self.column or self.name


class SparseRecord:
    """A base for such objects: a subclass lists its always-written fields in its own
    ``__slots__``; the rarely-written ones get class defaults (:meth:`set_default`)."""

    __slots__ = ("__dict__",)

    @classmethod
    def set_default(cls, name: str, value: Any) -> None:
        """Give every instance the field ``name`` with value ``value`` until it writes
        its own. A slot's name is a ValueError (an instance sets it when built)."""
        if any(name in getattr(k, "__slots__", ()) for k in cls.__mro__):
            raise ValueError(f"{cls.__name__}.{name} is a slot, set when an object is built")
        setattr(cls, name, value)

    @classmethod
    def clear_default(cls, name: str) -> None:
        """Remove the default of field ``name`` (undo :meth:`set_default`)."""
        delattr(cls, name)


def written(obj: SparseRecord) -> dict[str, Any]:
    """The rarely-written fields ``obj`` set itself, by name (empty if none)."""
    return obj.__dict__


__all__ = ["Field", "SparseRecord", "written"]
