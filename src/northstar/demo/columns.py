"""Vectorised builders of Arrow columns from numpy arrays: timestamps, ids and coded text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def timestamps(micros: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """``int64`` microseconds as an Arrow ``timestamp("us")`` array; ``missing`` (bool) marks nulls."""
    return pa.array(np.asarray(micros, dtype=np.int64), type=pa.timestamp("us"), mask=missing)


def numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids ``prefix`` + zero-padded ``numbers`` (``"sup_" , [7], 6`` → ``"sup_000007"``)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def coded(vocabulary: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """Text looked up by integer ``codes`` in ``vocabulary``; a negative code gives null."""
    codes = np.asarray(codes, dtype=np.int64)
    indices = pa.array(np.where(codes < 0, 0, codes), mask=codes < 0)
    return pa.array(list(vocabulary), type=pa.string()).take(indices)


def nullable_ints(values: np.ndarray, missing: np.ndarray, arrow_type: pa.DataType = pa.int64()) -> pa.Array:
    """Integers with nulls where ``missing`` is true."""
    return pa.array(np.asarray(values, dtype=np.int64), type=arrow_type, mask=missing)


def with_nulls(values: pa.Array, missing: np.ndarray) -> pa.Array:
    """``values`` with nulls where ``missing`` (bool, same length) is true."""
    return pc.if_else(pa.array(np.asarray(missing, dtype=bool)), pa.scalar(None, values.type), values)
