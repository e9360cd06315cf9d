"""Generated modules for a result: the functions an optimiser needs, for
NumPy, JAX or PyTorch (see backends.py and docs/codegen.md).

- gradient: ``gradient``, ``value``, ``value_and_gradient`` (one forward pass);
- hessian: ``hessian``, ``value``, ``gradient``, ``value_and_gradient``,
  ``hessian_vector_product(V, ...)`` (H[V] = d vec(G) applied to V, in closed
  form, never forming H) and ``hessian_operator(...)`` (the forward pass once,
  then a function of V);
- jacobian: ``jacobian``.
"""
from __future__ import annotations

import types

from .. import build as b
from ..expr import Apply, Var
from ..functions import TABLE, split_primes
from ..walk import walk
from .numpy_code import Spec, module_source

FORMULA_MAX = 600  # characters of a formula stated in a docstring (longer ones are named pieces)


def _formula(result, e) -> str:
    from .cse import common_subexpressions
    from .text import to_text

    plain = to_text(e)
    if len(plain) <= 160:
        return plain
    defs, (main,) = common_subexpressions([e], taken=result.f.free | {result.wrt})
    text = to_text(main) + ("\nwhere " + "\n".join(f"{to_text(v)} = {to_text(d)}" for v, d in defs) if defs else "")
    text = text if len(text) < len(plain) else plain
    return text if len(text) <= FORMULA_MAX else text[:FORMULA_MAX] + " ..."


def direction(result) -> Var:
    """V, the direction of a Hessian-vector product: shaped like X, named apart from the variables."""
    taken = {v.name for v in result._inputs()}
    name = "V"
    while name in taken:
        name += "_"
    return Var(name, result.x.shape)


def hessian_vector_expr(result, V: Var):
    """H[V]: the differential of the raw gradient with dX replaced by V (shaped like X)."""
    from ..rules.differentials import differential
    from ..rules.tidy import tidy

    raw = result.full(result.derivation.grad.raw)
    dG = differential(raw, result.x)
    return tidy(b.substitute(dG, {b.differential(result.x): V}))


def _concrete(e) -> bool:
    """Whether e's functions all have NumPy forms (a generic sigma(Z) has none,
    though its derivative's stand-in may cancel from the gradient)."""
    return all(not isinstance(n, Apply) or split_primes(n.fn)[0] in TABLE for n in walk(e))


def specs(result) -> list:
    f, x, kind = result.full(result.f), result.x, result.kind
    params = result._inputs()
    src = " ".join(result.source.split())
    head = f"f = {src} (with respect to {x.name})"
    if kind == "jacobian":
        jac = "d vec(F) / d vec(X)^T" if result.layout == "numerator" else "d vec(F)^T / d vec(X)"
        doc = (f"Jacobian {jac} (column-stacking vec) of F = {src} with respect to {x.name}, "
               f"{result.layout} layout:\nJ = {_formula(result, result.expr)}")
        return [Spec("jacobian", doc, params, [(result.full(result.expr), "matrix")])]
    value = Spec("value", f"The value of {src}.", params, [(f, "value")])
    if kind == "gradient":
        G, gdoc = result.full(result.expr), f"{result.layout} layout"
    else:
        G, gdoc = result.full(result.derivation.grad.result), "denominator layout (shaped like X)"
    gtext = _formula(result, result.expr if kind == "gradient" else result.derivation.grad.result)
    gradient = Spec("gradient", f"Gradient G of {head}, {gdoc}:\nG = {gtext}", params, [(G, "like")])
    both = Spec("value_and_gradient", f"(f, G) for {head}, computed together (one forward pass):\n"
                f"G = {gtext}", params, [(f, "value"), (G, "like")])
    valued = [value, both] if _concrete(f) else []  # f of a generic function has no code
    if kind == "gradient":
        return [gradient, *valued]
    V = direction(result)
    hv = hessian_vector_expr(result, V)
    htext = _formula(result, result.expr)
    hess = Spec("hessian", "Hessian d2f / d vec(X) d vec(X)^T (column-stacking vec) of "
                f"{head}:\nH = {htext}", params, [(result.full(result.expr), "matrix")])
    hvtext = _formula(result, hv)
    hvp = Spec("hessian_vector_product", f"H[{V.name}], the Hessian of {head} applied to {V.name} "
               f"(shaped like {x.name}; H vec({V.name}) as a matrix), without forming H:\n"
               f"H[{V.name}] = {hvtext}", params, [(hv, "like")], direction=V)
    op = Spec("hessian_operator", f"The Hessian of {head} at this point as a function of {V.name} "
              f"(shaped like {x.name}): the forward pass is computed once, here; each call computes\n"
              f"H[{V.name}] = {hvtext}", params, [(hv, "like")], direction=V, operator=True)
    return [hess, *valued[:1], gradient, *valued[1:], hvp, op]


def source(result, backend: str = "numpy") -> str:
    return module_source(specs(result), backend)


class Functions(types.SimpleNamespace):
    """The functions of a generated module (value, gradient, ...), with
    ``scipy(**fixed)``: keyword arguments for scipy.optimize.minimize."""

    def scipy(self, **fixed) -> dict:
        """{'fun', 'jac', 'hess'/'hessp'} for ``minimize(x0=X0.ravel(), **f.scipy(A=A, b=b))``:
        the variable is a flat vector in C order (``X0.ravel()``; reshape the answer
        with ``f.unflatten(res.x)``); fixed: the values of the other variables."""
        import numpy as np

        wrt, shape = self.wrt, self.shape_of(fixed)

        def unflat(z):
            return np.asarray(z, dtype=float).reshape(shape)

        def fun(z):
            f, G = self.value_and_gradient(**{wrt: unflat(z)}, **fixed)
            return f, np.asarray(G, dtype=float).reshape(-1)

        out = {"fun": fun, "jac": True}
        if hasattr(self, "hessian_vector_product"):
            def hessp(z, p):
                return np.asarray(self.hessian_vector_product(unflat(p), **{wrt: unflat(z)}, **fixed)).reshape(-1)

            out["hessp"] = hessp
        return out

    def scipy_unflatten(self, z, **fixed):
        """A flat vector (C order) as the variable's array, its shape from the fixed arrays."""
        import numpy as np

        return np.asarray(z, dtype=float).reshape(self.shape_of(fixed))

    def shape_of(self, fixed) -> tuple:
        """The variable's array shape, from the sizes of the fixed arrays."""
        import numpy as np

        sizes = {}
        for v in self.inputs:
            if v.name in fixed:
                a = np.asarray(fixed[v.name])
                dims = v.shape if a.ndim == 2 else v.shape[:1]
                for d, n in zip(dims, a.shape):
                    sizes[d] = n
        r, c = self.x.shape
        rows = r if isinstance(r, int) else sizes.get(r)
        if rows is None:
            raise ValueError(f"the size of {self.wrt} is not fixed by the other arrays: reshape by hand")
        if c == 1:
            return () if r == 1 else (rows,)
        cols = c if isinstance(c, int) else sizes.get(c)
        if cols is None:
            raise ValueError(f"the size of {self.wrt} is not fixed by the other arrays: reshape by hand")
        return (rows, cols)


def functions(result, backend: str = "numpy") -> Functions:
    """The generated module's functions as a namespace (exec'd from its source)."""
    text = source(result, backend)
    namespace: dict = {"__name__": f"matcalc_generated_{backend}"}
    exec(compile(text, f"<matcalc {result.kind} ({backend})>", "exec"), namespace)  # noqa: S102 - our code
    names = {s.name for s in specs(result)}
    out = Functions(**{k: namespace[k] for k in names})
    out.source, out.wrt, out.x, out.inputs, out.backend = text, result.wrt, result.x, result._inputs(), backend
    return out
