"""The array libraries generated code can target, as data: one row each.

One printer (numpy_code.NumpyPrinter) writes every backend; a row says how
each operation is spelled there.  ``{p}`` in a template is the module's
prefix (``_np``, ``_jnp``, ``_torch``), ``{like}`` the first parameter (the
array whose dtype and device new arrays take), ``{0}``, ``{1}`` the operands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backend:
    name: str
    imports: tuple            # the module's import lines
    prefix: str               # the array module's name in generated code
    convert: str              # a parameter as a floating array: {0} the parameter
    out: str                  # the returned value as an array of the parameters' dtype
    item: str                 # a 1 x 1 value as a scalar
    create: str = ""          # keyword arguments of eye/ones/zeros: dtype and device
    vec: str = "{0}.reshape(-1, 1, order='F')"
    unvec: str = "{0}.reshape({shape}, order='F')"
    logdet: str = "{p}.linalg.slogdet({0})[1]"
    inf: str = "{p}.inf"
    kron: str = "{p}.kron"
    transposed_left: str = ""  # A^T B spelled without A.T @ (XLA on CPU copies A^T): {0} A, {1} B
    prelude: tuple = ()       # helper definitions after the imports
    functions: dict = field(default_factory=dict)  # element-wise templates that differ: name -> template
    rewrites: tuple = ()      # (NumPy text, this backend's text) applied to the other templates
    # modules beyond the array library, imported only by a module that uses them:
    # (prefix in a template, name in generated code, import line, docstring note)
    modules: tuple = ()
    table_prefix: str = "np."  # the array library's prefix in the function table's own spelling (row.jax: jnp.)
    helpers: dict = field(default_factory=dict)  # helper name -> its definition's lines, added when the code calls it

    def helper_lines(self, text: str) -> list:
        """The definitions of the helpers that text calls, each followed by two blank lines."""
        out: list = []
        for name, lines in self.helpers.items():
            if re.search(r"\b%s\(" % re.escape(name), text):
                out += [*lines, "", ""]
        return out[:-2]

    def fn(self, name: str, numpy_template: str) -> str:
        """An element-wise function's template: the backend's own, the function
        table's spelling for this backend (row.jax, row.torch), or the NumPy
        one rewritten."""
        if name in self.functions:
            return self.functions[name]
        from ..functions import TABLE

        row = TABLE.get(name)
        own = getattr(row, self.name, None) if row is not None and self.name != "numpy" else None
        if own:
            text = re.sub(r"\b" + re.escape(self.table_prefix), self.prefix + ".", own)
        else:
            text = numpy_template
            for old, new in self.rewrites:
                text = text.replace(old, new)
            text = re.sub(r"\bnp\.", self.prefix + ".", text)
        for prefix, alias, _, _ in self.modules:
            text = re.sub(r"(?<![\w.])" + re.escape(prefix), alias + ".", text)
        return text

    def used_modules(self, source: str) -> list:
        """The rows of ``modules`` that the generated source refers to."""
        return [m for m in self.modules if re.search(r"(?<![\w.])" + re.escape(m[1]) + r"\.", source)]


def _stable_helpers(p: str, maximum: str, total: str, keep: str) -> dict:
    """softmax and logsumexp over axis 0 (a column vector's entries) or 1 (each row), the maximum
    subtracted first: exp never overflows, and logsumexp of entries of size 1000 is finite."""
    return {
        "_softmax": (
            "def _softmax(a, axis):",
            '    """softmax over a column\'s entries (axis 0) or each row (axis 1), the maximum subtracted."""',
            f"    e = {p}.exp(a - {maximum}(a, {keep}))",
            f"    return e / {total}(e, {keep})",
        ),
        "_logsumexp": (
            "def _logsumexp(a, axis):",
            '    """log(sum(exp(a))) over a column\'s entries (axis 0) or each row (axis 1), as a column; stable."""',
            f"    m = {maximum}(a, {keep})",
            f"    return m + {p}.log({total}({p}.exp(a - m), {keep}))",
        ),
    }


NUMPY = Backend(
    name="numpy",
    imports=("import numpy as _np",),
    prefix="_np",
    convert="_np.asarray({0}, dtype=float)",
    out="_np.asarray({0}, dtype=float)",
    item="{0}.item()",
    modules=(("scipy.special.", "_scipy_special", "import scipy.special as _scipy_special",
              "Needs SciPy (scipy.special: erf, erfc) besides NumPy."),),
    helpers=_stable_helpers("_np", "_np.max", "_np.sum", "axis=axis, keepdims=True"),
)

JAX = Backend(
    name="jax",
    imports=("import jax.numpy as _jnp", "import numpy as _np"),
    prefix="_jnp",
    convert="_array({0})",
    out="_jnp.asarray({0}, dtype={like}.dtype)",
    item="{0}.reshape(())",
    create=", dtype={like}.dtype",
    vec="{0}.T.reshape(-1, 1)",
    unvec="{0}.reshape({rshape}).T",
    transposed_left="({1}.T @ {0}).T",
    table_prefix="jnp.",
    # the NumPy forms' scipy.special.erf is jax.scipy.special.erf; the table's jax spellings name jax.nn
    rewrites=(("scipy.special.", "jax.scipy.special."),),
    modules=(("jax.scipy.special.", "_jax_special", "import jax.scipy.special as _jax_special", ""),
             ("jax.nn.", "_jax_nn", "import jax.nn as _jax_nn", "")),
    prelude=(
        "def _array(a):",
        '    """a as a floating jax array (integers become the default float)."""',
        "    a = _jnp.asarray(a)",
        "    return a if _jnp.issubdtype(a.dtype, _jnp.floating) else a.astype(_jnp.result_type(float))",
    ),
    helpers=_stable_helpers("_jnp", "_jnp.max", "_jnp.sum", "axis=axis, keepdims=True"),
)

TORCH = Backend(
    name="torch",
    imports=("import torch as _torch", "import numpy as _np"),
    prefix="_torch",
    convert="_tensor({0})",
    out="_torch.as_tensor({0}, dtype={like}.dtype, device={like}.device)",
    item="{0}.reshape(())",
    create=", dtype={like}.dtype, device={like}.device",
    vec="{0}.T.reshape(-1, 1)",
    unvec="{0}.reshape({rshape}).T",
    prelude=(
        "def _tensor(a):",
        '    """a as a floating tensor (integers become the default float), on its device."""',
        "    a = _torch.as_tensor(a)",
        "    return a if a.is_floating_point() else a.to(_torch.get_default_dtype())",
        "",
        "",
        "def _logaddexp0(a):",
        '    """log(1 + exp(a)), stable: logaddexp(0, a)."""',
        "    return _torch.logaddexp(_torch.zeros((), dtype=a.dtype, device=a.device), a)",
        "",
        "",
        "def _kron(a, b):",
        '    """a ⊗ b (torch.kron needs contiguous operands)."""',
        "    return _torch.kron(a.contiguous(), b.contiguous())",
    ),
    kron="_kron",
    helpers={
        "_softmax": (
            "def _softmax(a, axis):",
            '    """softmax over a column\'s entries (axis 0) or each row (axis 1); torch subtracts the maximum."""',
            "    return _torch.softmax(a, dim=axis)",
        ),
        "_logsumexp": (
            "def _logsumexp(a, axis):",
            '    """log(sum(exp(a))) over a column\'s entries (axis 0) or each row (axis 1), as a column; stable."""',
            "    return _torch.logsumexp(a, dim=axis, keepdim=True)",
        ),
    },
    functions={
        "relu": "_torch.clamp({0}, min=0)",
        "relu'": "(({0}) > 0).to(({0}).dtype)",
    },
    rewrites=(("np.logaddexp(0, ", "_logaddexp0("), ("np.power(", "np.pow("), ("scipy.special.", "np.special.")),
    table_prefix="torch.",
)

BACKENDS = {b.name: b for b in (NUMPY, JAX, TORCH)}


def backend(name) -> Backend:
    if isinstance(name, Backend):
        return name
    try:
        return BACKENDS[name]
    except KeyError:
        from ..errors import UsageError

        raise UsageError(f"unknown backend {name!r}: one of {', '.join(BACKENDS)}") from None
