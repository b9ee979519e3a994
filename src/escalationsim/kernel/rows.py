"""Rows of closed complaints packed into bytes and read back as numpy chunks.

Speed: converting each value of each complaint into a numpy column one by one costs
more than the simulation of a short complaint. Instead each closed complaint's fields
are fetched at once (an ``operator.attrgetter``), packed with :mod:`struct` into a byte
buffer, and every ``FLUSH_ROWS`` rows the buffer is read as one structured numpy array
(a view of it): no Python object piles up and no value is converted twice.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

FLUSH_ROWS = 4096
"""Rows buffered (packed into bytes) before they are read as one numpy chunk."""

_STRUCT_CODES = {"i8": "q", "i4": "i", "i2": "h", "i1": "b", "u1": "B", "f8": "d", "b1": "?"}


def row_struct(dtype: np.dtype) -> struct.Struct:
    """A :class:`struct.Struct` that packs one record of the (packed) structured
    ``dtype``: the bytes of many packed rows, concatenated, are an array of ``dtype``."""
    codes = []
    for name in dtype.names:
        field = dtype[name]
        codes.append(_STRUCT_CODES[f"{field.kind}{field.itemsize}"])
    packer = struct.Struct("=" + "".join(codes))  # native order, standard sizes, packed
    if packer.size != dtype.itemsize:
        raise ValueError(f"dtype is not packed: {dtype.itemsize} bytes vs {packer.size}")
    return packer


class PackedRows:
    """Packs objects' attributes (``attrs``, in ``dtype``'s field order, followed by the
    values of the sequence in attribute ``tail``) into bytes and hands every
    ``FLUSH_ROWS`` rows to ``take`` as one structured array.

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
    ) -> None:
        self._getter = operator.attrgetter(*attrs)
        self._tail = operator.attrgetter(tail)
        self._dtype = dtype
        packer = row_struct(dtype)
        self._pack_into = packer.pack_into
        self._size = packer.size
        self._flush_bytes = FLUSH_ROWS * dtype.itemsize
        self._buffer = np.empty(self._flush_bytes, dtype=np.uint8)
        self._at = 0  # bytes packed into the buffer
        self._take = take

    def add(self, obj: Any) -> None:
        """Pack one object's row."""
        at = self._at
        self._pack_into(self._buffer, at, *self._getter(obj), *self._tail(obj))
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
        if self._at < self._flush_bytes:
            chunk = chunk.copy()
        else:
            self._buffer = np.empty(self._flush_bytes, dtype=np.uint8)
        self._at = 0
        self._take(chunk)
