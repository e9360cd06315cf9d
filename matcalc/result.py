"""The Result of a derivation: printable as text, LaTeX, NumPy source and
JSON, and evaluable on arrays."""
from __future__ import annotations

import json
from typing import Optional

from . import build as b
from .calculus import full_definitions
from .derivative import Derivative
from .dims import shape_text
from .errors import UnknownNameError, UsageError
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

    notes: tuple = ()  # one-line remarks for the user (a variable that does not occur)
    invented: frozenset = frozenset()  # dimension names matcalc made up (no --shape declared them)

    def __init__(self, kind, source, wrt, derivation, expr, differential, layout, lets=None, convention=None):
        self.lets = lets or {}  # {Var: definition}, in definition order
        #: with respect to a symmetric variable: 'symmetric' or 'entrywise' (matcalc.symmetric); else None
        self.convention = convention
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

    def steps_text(self, latex: bool = False, equation: bool = False) -> str:
        """The derivation, one rule per line, from df to G : dX; equation=True
        ends it with the result's equation (∂f/∂X = G): a last line of text,
        or a last row of the LaTeX align* block."""
        self.steps()
        from .printing.equations import lhs
        from .printing.steps import steps_latex, steps_text

        if latex:
            final = (lhs(self.derivative(), True), to_latex(self.expr)) if equation else None
            return steps_latex(self.derivation, final)
        return steps_text(self.derivation) + ("\n" + self.equation() if equation else "")

    def derivative(self) -> Derivative:
        """The record the equation and index printers read."""
        return Derivative(self.kind, self.layout, self.x, self.f, self.expr, self.differential,
                          self.derivation.result if self.kind == "gradient" else None, self.convention)

    @property
    def x(self) -> Var:
        return self.derivation.x

    @property
    def shape(self):
        return self.expr.shape

    COMPACT_ABOVE = 200  # characters of the text form: longer results may name common subexpressions

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
        if self.convention == "entrywise":
            raise UsageError("the back-propagation form uses the symmetric convention; "
                             "leave out --symmetric-convention entrywise")
        if "_backprop" not in self.__dict__:
            from .backprop import auto_backprop, backprop

            self._backprop = (backprop(self.f, self.x, self.lets) if self.lets else
                              auto_backprop(self.f, self.x) or backprop(self.f, self.x, {}))
        return self._backprop

    def _auto_backprop(self) -> bool:
        """A deep composition with a long result (about 3 characters a node)."""
        if self.kind != "gradient" or self.layout != "denominator" or self.lets or self.convention == "entrywise":
            return False
        from .backprop import AUTO_MIN_DEPTH, layer_depth, tree_size

        return layer_depth(self.f, self.x) >= AUTO_MIN_DEPTH and 3 * tree_size(self.expr) > self.COMPACT_ABOVE

    def _named(self):
        """(definitions, main) when the compact form names helpers t1, t2, ...,
        else None.  The rule, one for text and LaTeX, decided on the text form:
        the plain text is over COMPACT_ABOVE characters, some subexpression of
        at least 3 nodes occurs twice or more (printing/cse.py), and naming
        makes the text shorter."""
        if "_named_cache" not in self.__dict__:
            self._named_cache = None
            plain = to_text(self.expr)
            if len(plain) > self.COMPACT_ABOVE:
                from .printing.cse import common_subexpressions

                defs, (main,) = common_subexpressions([self.expr], taken=self.f.free | {self.wrt})
                if defs and len(self._joined(to_text, defs, main, "\nwhere ", "\n      ")) < len(plain):
                    self._named_cache = (defs, main)
        return self._named_cache

    @staticmethod
    def _joined(printer, defs, main, where: str, between: str) -> str:
        return printer(main) + where + between.join(f"{printer(v)} = {printer(d)}" for v, d in defs)

    def _compact(self, printer, where: str, between: str) -> str:
        named = self._named()
        if named is None:
            return printer(self.expr)
        return self._joined(printer, *named, where, between)

    def dimensions_note(self, results=None, printed: str = "") -> Optional[str]:
        """'dimensions named by matcalc: X is n×m, B is m×p' when a dimension
        that matcalc named (no --shape declared it) shows in the result as
        printed (B^T ⊗ I_n, K_{n,m}, ones(n)); else None."""
        import re

        from .dims import DimProd
        from .expr import Commutation, Identity, Ones, Unvec
        from .walk import walk

        results = results or [self]
        shown: set = set()
        for r in results:
            for e in walk(r.expr, r.differential):
                dims = ((e.n,) if isinstance(e, Identity) else (e.m, e.n) if isinstance(e, Commutation)
                        else e.shape if isinstance(e, (Ones, Unvec)) else ())
                for d in dims:
                    shown.update(d.factors if isinstance(d, DimProd) else (d,))
        shown = {d for d in shown & set(self.invented) if re.search(rf"(?<![A-Za-z0-9\\]){re.escape(d)}(?![A-Za-z0-9])", printed)}
        if not shown:
            return None
        found: dict = {}
        for r in results:
            for v in r._inputs():
                found.setdefault(v.name, v)
        named = [v for _, v in sorted(found.items())
                 if any(isinstance(d, str) and d in self.invented for d in v.shape)]
        return "dimensions named by matcalc: " + ", ".join(f"{v.name} is {_a(v.shape)}" for v in named)

    def differential_text(self, latex: bool = False) -> str:
        return (to_latex if latex else to_text)(self.differential)

    def convention_text(self) -> Optional[str]:
        """What the derivative with respect to a symmetric variable means (None otherwise)."""
        from .symmetric import convention_text

        return convention_text(self.x, self.convention, self.kind) if self.convention else None

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
        fixed, env_shapes = {}, {}  # size -> (the first array that fixed it, its shape as passed)
        for v in self._inputs():
            if v.name not in arrays:
                raise UnknownNameError(f"evaluate() needs a value for {v.name}")
            given = arrays[v.name]
            try:
                a = np.asarray(given, dtype=float)
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
            if getattr(v, "kind", ""):
                _check_symmetric(v, a)
            env[v.name] = a
            for d, n in zip(v.shape, a.shape):
                if isinstance(d, int) and d != n:
                    raise UsageError(f"evaluate(): {v.name} of shape {np.shape(given)} does not fit its "
                                     f"shape {shape_text(v.shape)}")
                if isinstance(d, str) and sizes.setdefault(d, n) != n and fixed[d][0] == v.name:
                    raise UsageError(f"evaluate(): {v.name} of shape {np.shape(given)} does not fit its "
                                     f"shape {shape_text(v.shape)}")
                if isinstance(d, str) and sizes[d] != n:
                    other, shape = fixed[d]
                    raise UsageError(f"evaluate(): {v.name} of shape {np.shape(given)} and {other} of shape "
                                     f"{shape} disagree on the size {d} ({v.name} is {_a(v.shape)}, "
                                     f"{other} is {_a(env_shapes[other])})")
                if isinstance(d, str):
                    fixed.setdefault(d, (v.name, np.shape(given)))
            env_shapes[v.name] = v.shape
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
            if self.convention == "entrywise":  # G : V is the directional derivative for the symmetric G
                from .symmetric import from_entrywise

                g = from_entrywise(g)
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
            **({"symmetric": {"variable": self.wrt, "kind": self.x.kind, "convention": self.convention,
                              "meaning": self.convention_text()}} if self.convention else {}),
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


def _check_symmetric(v: Var, a) -> None:
    """A value given for a symmetric (positive definite) variable must be one."""
    import numpy as np

    if a.shape[0] != a.shape[1] or not np.allclose(a, a.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(a).max())):
        raise UsageError(f"evaluate(): {v.name} is declared symmetric, but the array given is not")
    if v.kind == "spd":
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise UsageError(f"evaluate(): {v.name} is declared positive definite, but the array given is not") \
                from None


def _a(shape) -> str:
    """'an n-vector', 'a scalar', 'n×m' (a shape in a sentence)."""
    text = shape_text(shape)
    if "×" in text:
        return text
    return ("an " if text[0] in "aeiouhlmnfrsx8" and not text.startswith(("u", "scalar")) else "a ") + text






class Results(list):
    """The derivatives of one expression with respect to several variables:
    a list of Result, in the order the variables were given, that prints,
    checks and generates code for them together.

    Text and LaTeX label each result with its left side (``∂f/∂W1 = ...``,
    one line per variable); JSON is a list of the single results' objects;
    the generated ``gradient(...)`` returns a tuple in the same order (and
    ``value_and_gradient`` returns ``(f, (G1, G2, ...))``), computing shared
    subexpressions once."""

    @property
    def kind(self) -> str:
        return self[0].kind

    @property
    def source(self) -> str:
        return self[0].source

    @property
    def layout(self) -> str:
        return self[0].layout

    @property
    def wrt(self) -> list:
        return [r.wrt for r in self]

    @property
    def x(self) -> list:
        return [r.x for r in self]

    @property
    def f(self) -> Expr:
        return self[0].f

    @property
    def notes(self) -> tuple:
        return tuple(n for r in self for n in r.notes)

    def _inputs(self) -> list:
        found = {}
        for r in self:
            for v in r._inputs():
                found.setdefault(v.name, v)
        return [found[k] for k in sorted(found)]

    def text(self, compact: bool = False) -> str:
        """One line per variable, ``∂f/∂X = G`` (the left side states the
        layout).  compact=True names subexpressions that the results share
        (or repeat) once, in ``where`` lines after them, when that is shorter."""
        return self._lines(False, compact)

    def latex(self, compact: bool = False) -> str:
        r"""An aligned block: ``\begin{aligned} \frac{\partial f}{\partial X} &= G \\ ... \end{aligned}``."""
        return self._lines(True, compact)

    def equation(self, latex: bool = False) -> str:
        return self._lines(latex, False)

    def _lines(self, latex: bool, compact: bool) -> str:
        from .printing.equations import lhs

        printer = to_latex if latex else to_text
        exprs, where = [r.expr for r in self], []
        if compact and sum(len(printer(e)) for e in exprs) > Result.COMPACT_ABOVE:
            from .printing.cse import common_subexpressions

            taken = set(self.f.free) | set(self.wrt)
            defs, roots = common_subexpressions(exprs, taken=taken)
            if defs:
                where = [f"{printer(v)} = {printer(d)}" for v, d in defs]
                exprs = roots
        lefts = [lhs(r.derivative(), latex) for r in self]
        if not latex:
            lines = [f"{left} = {to_text(e)}" for left, e in zip(lefts, exprs)]
            if where:
                lines.append("where " + "\n      ".join(where))
            return "\n".join(lines)
        rows = [f"{left} &= {to_latex(e)}" for left, e in zip(lefts, exprs)]
        if where:
            rows.append(r"&\text{where } " + r", \; ".join(where))
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def index(self, latex: bool = False) -> str:
        return "\n".join(r.index(latex) for r in self)

    def to_dict(self) -> list:
        return [r.to_dict() for r in self]

    def json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def code(self, backend: str = "numpy") -> str:
        """One module for all the variables: ``gradient(...)`` returns a tuple
        in the order of wrt (``jacobian(...)`` likewise), shared subexpressions
        computed once (docs/codegen.md)."""
        from .printing.codegen import source

        return source(self, backend)

    def numpy_source(self) -> str:
        return self.code("numpy")

    def function(self, backend: str = "numpy"):
        """The generated module's functions; see Result.function."""
        from .printing.codegen import functions

        return functions(self, backend)

    def evaluate(self, /, **arrays) -> list:
        """[each result evaluated at the arrays], in order."""
        return [r.evaluate(**arrays) for r in self]

    def check(self, seed: int = 0, trials: int = 3) -> list:
        """[each result's relative error against finite differences], in order."""
        return [r.check(seed, trials) for r in self]

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<matcalc {self.kind}s wrt {', '.join(self.wrt)}: {'; '.join(r.text() for r in self)}>"

    def _repr_latex_(self):
        return f"$\\displaystyle {self.latex()}$"
