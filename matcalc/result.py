"""The Result of a derivation: printable as text, LaTeX, NumPy source and
JSON, and evaluable on arrays."""
from __future__ import annotations

import json
from typing import Optional

from . import build as b
from .calculus import full_definitions
from .derivative import Derivative
from .dims import shape_text
from .errors import NameError_, UsageError
from .expr import Expr, Var
from .notebook import result_bundle
from .printing.latex import to_latex
from .printing.text import to_text
from .walk import variables

CHECK_TOLERANCE = 1e-5  # --check passes below this relative error against central differences


class Result:
    """A derivative: printable as text, LaTeX, NumPy source and JSON, and
    evaluable on arrays.

    ``kind`` is 'gradient' (G with df = G : dX, shaped like X in denominator
    layout), 'jacobian' (J = d vec(F) / d vec(X)^T in numerator layout) or
    'hessian' (H = d2f / d vec(X) d vec(X)^T).  ``expr`` is the result in the
    requested layout; ``differential`` is df, dF or d2f."""

    def __init__(self, kind, source, wrt, derivation, expr, differential, layout, lets=None):
        self.lets = lets or {}  # {Var: definition}, in definition order
        self.kind = kind
        self.source = source
        self.wrt = wrt
        self.derivation = derivation
        self.expr = expr
        self.differential = differential
        self.layout = layout

    @property
    def f(self) -> Expr:
        return self.derivation.f

    def full(self, e: Expr) -> Expr:
        """e with every named intermediate replaced by its definition."""
        return b.substitute(e, full_definitions(self.lets)) if self.lets else e

    def steps(self) -> list:
        """The derivation as data: one dict per equality (expression, latex,
        rule, identity), from df to G : dX."""
        if self.kind != "gradient":
            raise UsageError("steps are shown for gradients; a Jacobian or Hessian shows its differential")
        from .printing.steps import steps_data

        return steps_data(self.derivation)

    def steps_text(self, latex: bool = False) -> str:
        self.steps()
        from .printing.steps import steps_latex, steps_text

        return steps_latex(self.derivation) if latex else steps_text(self.derivation)

    def derivative(self) -> Derivative:
        """The record the equation and index printers read."""
        return Derivative(self.kind, self.layout, self.x, self.f, self.expr, self.differential,
                          self.derivation.result if self.kind == "gradient" else None)

    @property
    def x(self) -> Var:
        return self.derivation.x

    @property
    def shape(self):
        return self.expr.shape

    COMPACT_ABOVE = 200  # characters: longer results print with named common subexpressions

    def text(self, compact: bool = False, form: Optional[str] = None) -> str:
        """The result in matcalc's own language (it parses back).  With
        compact=True a long result repeating subexpressions prints as
        ``G`` then ``where t1 = ...`` lines, each value named once, and a long
        result of a deep composition (3 or more element-wise layers) as its
        back-propagation form.  form='backprop' asks for that form
        (see backprop())."""
        if form == "backprop" or (compact and form is None and self._auto_backprop()):
            from .printing.backprop import backprop_text

            return backprop_text(self.backprop())
        return self._compact(to_text, "\nwhere ", "\n      ") if compact else to_text(self.expr)

    def latex(self, compact: bool = False, form: Optional[str] = None) -> str:
        """LaTeX; compact=True and form as in text()."""
        if form == "backprop" or (compact and form is None and self._auto_backprop()):
            from .printing.backprop import backprop_latex

            return backprop_latex(self.backprop())
        sep = r" \quad \text{where } "
        return self._compact(to_latex, sep, r", \; ") if compact else to_latex(self.expr)

    def backprop(self):
        """The gradient as the recursion of named adjoints G_V = ∂f/∂V, one
        per --let intermediate from the output back to X (matcalc.backprop);
        without lets, a deep composition is named automatically."""
        if self.kind != "gradient" or self.layout != "denominator":
            raise UsageError("the back-propagation form is shown for gradients in denominator layout")
        if "_backprop" not in self.__dict__:
            from .backprop import auto_backprop, backprop

            self._backprop = (backprop(self.f, self.x, self.lets) if self.lets else
                              auto_backprop(self.f, self.x) or backprop(self.f, self.x, {}))
        return self._backprop

    def _auto_backprop(self) -> bool:
        """A deep composition with a long result (about 3 characters a node)."""
        if self.kind != "gradient" or self.layout != "denominator" or self.lets:
            return False
        from .backprop import AUTO_MIN_DEPTH, layer_depth, tree_size

        return layer_depth(self.f, self.x) >= AUTO_MIN_DEPTH and 3 * tree_size(self.expr) > self.COMPACT_ABOVE

    def _compact(self, printer, where: str, between: str) -> str:
        plain = printer(self.expr)
        if len(plain) <= self.COMPACT_ABOVE:
            return plain
        from .printing.cse import common_subexpressions

        defs, (main,) = common_subexpressions([self.expr], taken=self.f.free | {self.wrt})
        if not defs:
            return plain
        lines = [f"{printer(v)} = {printer(d)}" for v, d in defs]
        text = printer(main) + where + between.join(lines)
        return text if len(text) < len(plain) else plain

    def differential_text(self, latex: bool = False) -> str:
        return (to_latex if latex else to_text)(self.differential)

    def equation(self, latex: bool = False) -> str:
        """The result as an equation whose left side states the layout."""
        from .printing.equations import equation

        return equation(self.derivative(), latex)

    def index(self, latex: bool = False) -> str:
        """The result in Einstein index notation."""
        from .printing.index import index_form

        return index_form(self.derivative(), latex)

    def numpy_source(self) -> str:
        return self.code("numpy")

    def code(self, backend: str = "numpy") -> str:
        """The generated module for backend 'numpy', 'jax' or 'torch' (docs/codegen.md)."""
        from .printing.codegen import source

        return source(self, backend)

    def function(self, backend: str = "numpy"):
        """The generated module's functions (value, gradient, value_and_gradient, ...;
        for a Hessian hessian_vector_product and hessian_operator), and .scipy(**fixed)."""
        from .printing.codegen import functions

        return functions(self, backend)

    def _inputs(self) -> list:
        """The variables a caller supplies: those of f, and X even where it
        cancelled from f (tr(X - X^T)), sorted by name."""
        found = variables(self.full(self.f))
        found.setdefault(self.x.name, self.x)
        return [found[k] for k in sorted(found)]

    def _env(self, arrays):
        import numpy as np

        from .numeric import symbolic_dims

        env, sizes = {}, {}
        for v in self._inputs():
            if v.name not in arrays:
                raise NameError_(f"evaluate() needs a value for {v.name}")
            try:
                a = np.asarray(arrays[v.name], dtype=float)
            except (TypeError, ValueError):
                raise UsageError(f"evaluate(): {v.name} is not an array of numbers") from None
            r, c = v.shape
            if r == 1 and c == 1:
                ok, kind, a2 = a.size == 1, "a scalar", a.reshape(1, 1) if a.size == 1 else a
            elif c == 1:
                ok, kind, a2 = a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1), "a column vector", a.reshape(-1, 1)
            elif r == 1:
                ok, kind, a2 = a.ndim == 1 or (a.ndim == 2 and a.shape[0] == 1), "a row vector", a.reshape(1, -1)
            else:
                ok, kind, a2 = a.ndim == 2, "a matrix (2-D)", a
            if not ok:
                raise UsageError(f"evaluate(): {v.name} must be {kind}, not an array of shape {a.shape}")
            a = a2
            env[v.name] = a
            for d, n in zip(v.shape, a.shape):
                if (isinstance(d, int) and d != n) or (isinstance(d, str) and sizes.setdefault(d, n) != n):
                    raise UsageError(f"evaluate(): {v.name} has shape {a.shape}, which does not fit its "
                                     f"shape {shape_text(v.shape)} and the other arrays")
        needed = symbolic_dims([self.full(self.expr)])
        for d in sorted(needed - set(sizes)):
            if d not in arrays or d in env:
                raise UsageError(f"evaluate() needs the size {d}, which no variable fixes: "
                                 f"pass it as evaluate(..., {d}=3)")
            sizes[d] = int(arrays[d])
        return env, sizes

    def evaluate(self, /, **arrays):
        """The result as a NumPy array at the given values (keyword per
        variable; a size no variable fixes, like k in ones(k), by its name).
        A gradient is shaped like the printed result (float when 1 x 1, 1-D
        for a column, else 2-D), as the generated NumPy function returns it;
        a Jacobian or Hessian is a 2-D array."""
        from .numeric import evaluate

        env, sizes = self._env(arrays)
        value = evaluate(self.full(self.expr), env, sizes)
        if self.kind == "gradient":
            r, c = self.expr.shape
            if (r, c) == (1, 1):
                return float(value[0, 0])
            return value.reshape(-1) if c == 1 else value
        return value

    def check(self, seed: int = 0, trials: int = 3) -> float:
        """Largest relative error against central finite differences: of f for
        a gradient or Jacobian, of the gradient for a Hessian."""
        import numpy as np

        rng = np.random.default_rng(seed)
        J = self.full(self.numerator_form())
        target = self.derivation.grad.result if self.kind == "hessian" else self.f
        pairs = [(self.full(target), J)]
        if self.kind == "hessian":
            pairs.append((self.full(self.f), self.full(b.transpose(b.vec(self.derivation.grad.result)))))
        return max(_checked(F, self.x, D, rng, trials) for F, D in pairs)

    def numerator_form(self) -> Expr:
        """d vec(F) / d vec(X)^T whatever the layout asked for."""
        if self.kind == "gradient":
            g = self.derivation.result
            return b.transpose(b.vec(g))
        return self.expr if self.layout == "numerator" else b.transpose(self.expr)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "expression": self.source,
            "wrt": self.wrt,
            "result": self.text(),
            "latex": self.latex(),
            "equation": self.equation(),
            "equation_latex": self.equation(latex=True),
            "shape": [str(d) for d in self.shape],
            "wrt_shape": [str(d) for d in self.x.shape],
            "layout": self.layout,
            "vec": "column-stacking" if self.kind != "gradient" else None,
            "differential": self.differential_text(),
            "lets": {v.name: to_text(d) for v, d in self.lets.items()},
            **({"steps": self.steps()} if self.kind == "gradient" else {}),
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<matcalc {self.kind} wrt {self.wrt}: {self.text()}>"

    def to_sympy(self):
        """The result (named intermediates expanded) as a SymPy matrix expression; see matcalc.sympy_bridge."""
        from .sympy_bridge import to_sympy

        return to_sympy(self.full(self.expr))

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter shows the equation, left side included, in LaTeX (matcalc.notebook)."""
        return result_bundle(self)

    def _repr_latex_(self):
        return self._repr_mimebundle_().get("text/latex")


def _checked(F: Expr, x: Var, J: Expr, rng, trials: int) -> float:
    """The largest error of `trials` random checks of J = d vec(F) / d vec(X)^T.
    A draw outside the domain (a singular matrix, log of a negative number
    made by random sizes) is drawn again, up to 10 times per trial, with the
    positive values spread wider or narrower each time (numeric.SPREADS); when
    no draw is usable, the last NumericError is raised."""
    from .errors import NumericError
    from .finite_differences import jacobian_check
    from .numeric import SPREADS

    errors, last = [], None
    for attempt in range(10 * trials):
        try:
            errors.append(jacobian_check(F, x, J, rng, spread=SPREADS[attempt // trials % len(SPREADS)]))
        except NumericError as error:
            last = error
        if len(errors) == trials:
            break
    if not errors:
        raise NumericError(f"{last.message}; no usable point in {10 * trials} random draws, "
                           "so the result is not checked")
    return max(errors)
