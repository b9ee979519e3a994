"""Rows of closed complaints packed into bytes and read back as numpy chunks.

Speed: converting each value of each complaint into a numpy column one by one costs
more than the simulation of a short complaint. Instead each closed complaint's fields
are fetched at once (an ``operator.attrgetter``), packed with :mod:`struct` into a byte
buffer, and every ``FLUSH_ROWS`` rows the buffer is read as one structured numpy array
(a view of it): no Python object piles up and no value is converted twice.

Sparse columns: the fields most objects never write (class defaults of a
:class:`~escalationsim.kernel.sparse.SparseRecord`) are not fetched and packed one by
one for every row. Their bytes are left as padding; the values an object wrote (its
``__dict__``) are kept by field with their rows, and when the chunk is read the sparse
columns are set to their defaults and the written values put in their rows. In a
run of short complaints this halves the values packed per complaint.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

FLUSH_ROWS = 4096
"""Rows buffered (packed into bytes) before they are read as one numpy chunk."""

_STRUCT_CODES = {"i8": "q", "i4": "i", "i2": "h", "i1": "b", "u1": "B", "f8": "d", "b1": "?"}


def row_struct(dtype: np.dtype, skip: Collection[str] = ()) -> struct.Struct:
    """A :class:`struct.Struct` that packs one record of the (packed) structured
    ``dtype``: the bytes of many packed rows, concatenated, are an array of ``dtype``.
    The fields named in ``skip`` take no value: their bytes are zero padding."""
    codes = []
    for name in dtype.names:
        field = dtype[name]
        if name in skip:
            codes.append(f"{field.itemsize}x")
            continue
        codes.append(_STRUCT_CODES[f"{field.kind}{field.itemsize}"])
    packer = struct.Struct("=" + "".join(codes))  # native order, standard sizes, packed
    if packer.size != dtype.itemsize:
        raise ValueError(f"dtype is not packed: {dtype.itemsize} bytes vs {packer.size}")
    return packer


class PackedRows:
    """Packs objects' attributes (``attrs``, in ``dtype``'s field order, followed by the
    values of the sequence in attribute ``tail``) into bytes and hands every
    ``FLUSH_ROWS`` rows to ``take`` as one structured array.

    ``sparse`` maps the name of each of ``dtype``'s sparse fields (see the module doc) to
    the attribute it holds and its default; those fields are not in ``attrs``, and the
    objects are :class:`~escalationsim.kernel.sparse.SparseRecord` objects (their
    ``__dict__`` holds exactly the sparse values they wrote). An attribute in an
    object's ``__dict__`` that is no sparse field is ignored.

    Memory: each chunk's buffer is allocated once at its final size and packed in
    place (``struct.pack_into``), not grown by appending: a growing buffer is copied as
    it grows and leaves freed blocks of every size behind it, which at a million
    complaints kept tens of megabytes more resident. It is a numpy array allocated
    uninitialised (a ``bytearray`` is zeroed first, for nothing: every byte handed over
    is packed)."""

    def __init__(
        self,
        attrs: Sequence[str],
        tail: str,
        dtype: np.dtype,
        take: Callable[[np.ndarray], None],
        sparse: Mapping[str, tuple[str, Any]] | None = None,
    ) -> None:
        sparse = dict(sparse or {})
        if len(attrs) > 1:
            self._getter = operator.attrgetter(*attrs)  # a tuple of the values
        else:  # attrgetter of one name gives the value itself
            one = operator.attrgetter(*attrs) if attrs else None
            self._getter = (lambda obj: (one(obj),)) if one else (lambda obj: ())
        self._tail = operator.attrgetter(tail)
        self._dtype = dtype
        # sparse fields by attribute: (column, default)
        self._sparse = {attr: (name, default) for name, (attr, default) in sparse.items()}
        # the sparse values written by the buffered rows, by attribute: (rows, values)
        self._pending: dict[str, tuple[list[int], list[Any]]] = {}
        packer = row_struct(dtype, skip=sparse)
        self._pack_into = packer.pack_into
        self._size = packer.size
        self._flush_bytes = FLUSH_ROWS * dtype.itemsize
        self._buffer = np.empty(self._flush_bytes, dtype=np.uint8)
        self._at = 0  # bytes packed into the buffer
        self._take = take
        if sparse:
            self.add = self._add_sparse  # type: ignore[method-assign]

    def add(self, obj: Any) -> None:
        """Pack one object's row."""
        at = self._at
        self._pack_into(self._buffer, at, *self._getter(obj), *self._tail(obj))
        at += self._size
        self._at = at
        if at == self._flush_bytes:
            self.flush()

    def _add_sparse(self, obj: Any) -> None:
        """:meth:`add` with sparse fields.

        Speed: the values an object wrote are put in per-field lists at once (its
        ``__dict__`` is in the processor's cache now), not kept as a copy of the dict
        to be read when the chunk is: 4,096 dicts copied, read back cold and freed per
        chunk took about a twentieth of a run with records on."""
        at = self._at
        self._pack_into(self._buffer, at, *self._getter(obj), *self._tail(obj))
        written = obj.__dict__
        if written:  # it set some sparse fields: their values as they are now
            row = at // self._size
            pending = self._pending
            for attr, value in written.items():
                got = pending.get(attr)
                if got is None:
                    pending[attr] = ([row], [value])
                else:
                    got[0].append(row)
                    got[1].append(value)
        at += self._size
        self._at = at
        if at == self._flush_bytes:
            self.flush()

    @property
    def buffered(self) -> int:
        """Rows packed but not yet handed over."""
        return self._at // self._size

    def flush(self) -> None:
        """Hand the buffered rows over now (a part-filled buffer as a copy of its rows)."""
        if not self._at:
            return
        chunk = self._buffer[: self._at].view(self._dtype)
        if self._sparse:
            self._fill(chunk)
        if self._at < self._flush_bytes:
            chunk = chunk.copy()
        else:
            self._buffer = np.empty(self._flush_bytes, dtype=np.uint8)
        self._at = 0
        self._take(chunk)

    def _fill(self, chunk: np.ndarray) -> None:
        """Set the sparse columns of ``chunk``: their defaults, then the values the
        objects wrote (each object is one row: a field's rows are distinct), one numpy
        assignment per column."""
        pending = self._pending
        for attr, (name, default) in self._sparse.items():
            col = chunk[name]
            col.fill(default)
            got = pending.get(attr)
            if got is None:
                continue
            rows, values = got
            if col.dtype.kind in "iub":
                for value in values:
                    if type(value) is float:
                        # numpy would truncate silently where struct refuses (2.7 into
                        # an integer column): an error naming the field
                        raise TypeError(
                            f"{attr} = {value!r} is not allowed: its column "
                            f"{name!r} holds {col.dtype} values"
                        )
            col[rows] = values
        self._pending = {}
