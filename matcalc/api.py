"""The Python API: parse, grad, and the Result object they share."""
from __future__ import annotations

import json
from typing import Optional

from .calculus import Gradient, gradient
from .errors import NameError_
from .expr import Expr, Var
from .printing.latex import to_latex
from .printing.text import to_text
from .shapes import parse_dims, to_expr


def _shapes(shapes: Optional[dict]) -> dict:
    """{'A': 'm,n'} or {'A': (m, n)} -> {'A': shape}."""
    out = {}
    for name, spec in (shapes or {}).items():
        if isinstance(spec, str):
            out[name] = parse_dims(spec)
        else:
            spec = tuple(spec)
            out[name] = (spec[0], 1) if len(spec) == 1 else ((1, 1) if not spec else spec)
    return out


def parse(text: str, shapes: Optional[dict] = None) -> Expr:
    """The canonical expression of a text in matcalc's language."""
    return to_expr(text, _shapes(shapes))[0]


class Result:
    """A derivative: printable as text, LaTeX, NumPy source and JSON, and
    evaluable on arrays."""

    layout = "denominator"
    kind = "gradient"

    def __init__(self, source: str, wrt: str, derivation: Gradient):
        self.source = source
        self.wrt = wrt
        self.derivation = derivation
        self.expr = derivation.result

    @property
    def shape(self):
        return self.expr.shape

    def text(self) -> str:
        return to_text(self.expr)

    def latex(self) -> str:
        return to_latex(self.expr)

    def numpy_source(self) -> str:
        from .printing.numpy_code import free_parameters, function_source

        f, x = self.derivation.f, self.derivation.x
        doc = (f"Gradient of {to_text(f)} with respect to {x.name} "
               f"(an array shaped like {x.name}).")
        return function_source("gradient", doc, free_parameters(f), self.expr, x.shape)

    def evaluate(self, **arrays):
        """The gradient as a NumPy array shaped like the variable (1-D for a
        vector, float for a scalar), at the given values."""
        import numpy as np

        from .numeric import evaluate

        f = self.derivation.f
        env, sizes = {}, {}
        variables = {v.name: v for v in _vars(f)}
        for name, v in variables.items():
            if name not in arrays:
                raise NameError_(f"evaluate() needs a value for {name}")
            a = np.asarray(arrays[name], dtype=float)
            a = a.reshape(1, 1) if v.shape == (1, 1) else (a.reshape(-1, 1) if v.shape[1] == 1 else a)
            env[name] = a
            for d, n in zip(v.shape, a.shape):
                if isinstance(d, str):
                    sizes[d] = n
        value = evaluate(self.expr, env, sizes)
        r, c = self.derivation.x.shape
        if (r, c) == (1, 1):
            return float(value[0, 0])
        return value.reshape(-1) if c == 1 else value

    def check(self, seed: int = 0, trials: int = 3) -> float:
        """Largest relative error of G : V against central differences of f."""
        import numpy as np

        from .numeric import directional_check

        rng = np.random.default_rng(seed)
        return max(directional_check(self.derivation.f, self.derivation.x, self.expr, rng) for _ in range(trials))

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "expression": self.source,
            "wrt": self.wrt,
            "result": self.text(),
            "latex": self.latex(),
            "shape": [str(d) for d in self.shape],
            "wrt_shape": [str(d) for d in self.derivation.x.shape],
            "layout": self.layout,
            "differential": to_text(self.derivation.df),
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<matcalc {self.kind} d/d{self.wrt}: {self.text()}>"


def _vars(e: Expr):
    out = {}
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Var):
            out[x.name] = x
        stack.extend(x.children())
    return out.values()


def grad(expr: str, wrt: str, shapes: Optional[dict] = None) -> Result:
    """The gradient of a scalar expression with respect to the variable wrt."""
    f, ctx = to_expr(expr, _shapes(shapes))
    x = _variable(ctx, expr, wrt)
    return Result(expr, wrt, gradient(f, x))


def _variable(ctx, source: str, wrt: str) -> Var:
    """The Var called wrt, or a clear error if the expression has no such name."""
    if wrt in ctx.functions:
        raise NameError_(f"cannot differentiate with respect to {wrt}: it is a function")
    if wrt not in ctx.vars:
        known = ", ".join(sorted(ctx.vars)) or "none"
        raise NameError_(f"{wrt} does not occur in the expression (its variables: {known})", source, len(source))
    return Var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
