"""Declared shapes, parsed and checked in one place.

A shape is declared as text (``--shape A=m,n``, ``shapes={'A': 'm,n'}``:
'scalar', one dimension ``n`` for a column vector, or two ``m,n``) or, from
the API, as a tuple.  Every declared shape ends as a pair of dimensions, each
a positive integer or a name (names end up in generated code).
"""
from __future__ import annotations

import re
from typing import Optional

from ..errors import UsageError
from ..expr import SCALAR, DimProd

DIM_NAME = re.compile(r"[A-Za-z]\w*")


def parse_dims(spec: str):
    """'scalar' | 'n' | 'm,n' -> a shape of names and ints."""
    text = spec.strip()
    if text == "scalar":
        return SCALAR
    parts = [p.strip() for p in re.split(r",|×|(?<=\d)\s*x\s*(?=\d)", text) if p.strip()] if text else []
    if not 1 <= len(parts) <= 2:
        raise UsageError(f"shape {spec!r}: give 'scalar', one dimension (n) or two (m,n)")
    dims = []
    for p in parts:
        if p.isdigit():
            if int(p) < 1:
                raise UsageError(f"shape {spec!r}: dimensions must be positive")
            dims.append(int(p))
        elif DIM_NAME.fullmatch(p):
            dims.append(p)
        else:
            raise UsageError(f"shape {spec!r}: {p!r} is not a dimension name or positive integer")
    return (dims[0], 1) if len(dims) == 1 else tuple(dims)


def shape_options(items) -> dict:
    """The command line's ``--shape NAME=DIMS`` items -> {name: 'DIMS'} (the text parsed by shapes_argument)."""
    out = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--shape {item!r}: write NAME=DIMS, e.g. A=m,n or x=n or alpha=scalar")
        out[name.strip()] = dims
    return out


def shapes_argument(shapes: Optional[dict]) -> dict:
    """The API's ``shapes``: {'A': 'm,n'} or {'A': (m, n)} -> {'A': shape}.
    The tuples are checked for their dimensions by checked_shape, when the
    typing context takes them."""
    out = {}
    if shapes is not None and not isinstance(shapes, dict):
        raise UsageError(f"shapes must be a dict such as {{'A': 'm,n'}}, not {type(shapes).__name__}")
    for name, spec in (shapes or {}).items():
        if not isinstance(name, str):
            raise UsageError(f"a name in shapes must be a string, not {type(name).__name__}")
        if isinstance(spec, str):
            out[name] = parse_dims(spec)
        else:
            if not isinstance(spec, (tuple, list)):
                raise UsageError(f"shape of {name}: give 'scalar', 'n', 'm,n' or a tuple, not {spec!r}")
            spec = tuple(spec)
            out[name] = (1, 1) if not spec else ((spec[0], 1) if len(spec) == 1 else spec)
    return out


def checked_shape(name, shape) -> tuple:
    """A declared shape (from the API, a tuple of anything): two dimensions,
    each a positive integer or a name, since names end up in generated code."""
    shape = tuple(shape)
    if len(shape) != 2 or not all(_checked_dim(d) for d in shape):
        raise UsageError(f"shape of {name}: {shape!r} is not one or two dimensions, "
                         "each a name or a positive integer")
    return shape


def _checked_dim(d) -> bool:
    if isinstance(d, DimProd):
        return all(_checked_dim(f) for f in d.factors)
    if isinstance(d, bool):
        return False
    if isinstance(d, int):
        return d >= 1
    return isinstance(d, str) and DIM_NAME.fullmatch(d) is not None
