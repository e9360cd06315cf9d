"""Back-propagation form: a gradient as the recursion of named adjoints.

For f and named intermediates v = D_v(...) (the lets, in definition order),
the adjoint of v is G_v = ∂f/∂v with every other intermediate held as it
is.  Going from the output back to the variable x,

    G_v = ∂f/∂v (direct) + Σ_u ∂(G_u : D_u)/∂v      over the u whose D_u uses v,

one line per intermediate, each a one-layer gradient computed by
calculus.gradient with the later adjoints G_u as given matrices (the seed 000
answer: G_K = E, G_{K-1} = σ'(Z_{K-1}) .* (A^T G_K W_K^T), ...).

A deep composition without lets is named automatically (``auto_lets``): each
element-wise function application containing x becomes H_i = fn(Z_i) with
Z_i its argument, so the printed recursion grows linearly with depth.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import build as b
from .calculus import gradient
from .expr import Apply, Expr, Var

ADJOINT_PREFIX = "G_"


@dataclass
class Backprop:
    """forward: [(Var, definition)] in definition order (user lets, or the
    names made by auto_lets when ``auto``); lines: [(adjoint Var G_v, v,
    value)] from the output back to x (the last line is G_x, the gradient)."""

    f: Expr
    x: Var
    forward: list
    lines: list
    auto: bool = False
    names: dict = field(default_factory=dict)  # adjoint name -> name of its quantity

    def lets(self) -> dict:
        """Every line as a let {Var: definition}: the forward ones then the
        adjoints; substituting them in order gives the gradient."""
        out = dict(self.forward)
        out.update((g, value) for g, _, value in self.lines)
        return out

    def full(self, e: Expr) -> Expr:
        """e with every forward name and adjoint replaced by its value."""
        full: dict = {}
        for v, d in self.lets().items():
            full[v] = b.substitute(d, full) if full else d
        return b.substitute(e, full)


def _adjoint_var(v: Var, taken: set) -> Var:
    name = ADJOINT_PREFIX + v.name if "{" not in v.name else ADJOINT_PREFIX + "{" + v.name + "}"
    while name in taken:
        name += "_"
    taken.add(name)
    return Var(name, v.shape)


def _through(lets: dict, x: Var) -> list:
    """The intermediates that depend on x, in definition order."""
    names, out = {x.name}, []
    for v, d in lets.items():
        if names & d.free:
            names.add(v.name)
            out.append(v)
    return out


def backprop(f: Expr, x: Var, lets: dict, auto: bool = False) -> Backprop:
    """The adjoint recursion of f through ``lets`` down to x."""
    lets = dict(lets)
    through = _through(lets, x)
    needed = set(f.free)  # drop intermediates f does not reach
    for v in reversed(list(lets)):
        if v.name in needed:
            needed |= lets[v].free
    through = [v for v in through if v.name in needed]
    taken = set(f.free) | {n for v, d in lets.items() for n in d.free | {v.name}}
    adjoint = {v: _adjoint_var(v, taken) for v in [*through, x]}
    users: dict = {}
    for u in through:
        for name in lets[u].free:
            users.setdefault(name, []).append(u)
    lines = []
    for v in [*reversed(through), x]:
        terms = []
        if v.name in f.free:
            terms.append(_local(f, v))
        for u in users.get(v.name, ()):
            terms.append(_local(b.frob(adjoint[u], lets[u]), v))
        value = b.add(*terms, shape=v.shape) if terms else b.zero(v.shape)
        lines.append((adjoint[v], v, value))
    names = {adjoint[v].name: v.name for v in adjoint}
    forward = [(v, d) for v, d in lets.items() if v.name in needed]
    return Backprop(f, x, forward, lines, auto, names)


def _local(f: Expr, v: Var) -> Expr:
    """∂f/∂v with every other name held constant."""
    return gradient(f, v).result


# ---------------------------------------------------------------- automatic naming

AUTO_PREFIXES = (("Z", "H"), ("U", "V"), ("P", "Q"), ("Zeta", "Eta"))
AUTO_MIN_DEPTH = 3  # element-wise layers around x before a result is printed as a recursion


def _postorder(e: Expr, x: Var) -> list:
    """Distinct nodes containing x, children first (no recursion: deep nests are safe)."""
    order, seen, stack = [], set(), [(e, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen or x.name not in node.free:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((c, False) for c in node.children())
    return order


def tree_size(e: Expr) -> int:
    """The number of nodes of e as a tree (Expr.size without recursion)."""
    sizes: dict = {}
    stack = [(e, False)]
    while stack:
        node, done = stack.pop()
        if node in sizes:
            continue
        if done:
            sizes[node] = 1 + sum(sizes[c] for c in node.children())
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in node.children() if c not in sizes)
    return sizes[e]


def layer_depth(f: Expr, x: Var) -> int:
    """How many element-wise function applications containing x are nested."""
    depth: dict = {}
    for node in _postorder(f, x):
        inner = max((depth.get(c, 0) for c in node.children()), default=0)
        depth[node] = inner + (1 if isinstance(node, Apply) else 0)
    return depth.get(f, 0)


def auto_lets(f: Expr, x: Var):
    """(f rewritten, {Var: definition}): Z_i = the argument and H_i = fn(Z_i)
    for every element-wise application containing x, innermost first."""
    applies = [n for n in _postorder(f, x) if isinstance(n, Apply)]
    taken = set(f.free)
    for zp, hp in AUTO_PREFIXES:
        names = [p + str(i) for i in range(1, len(applies) + 1) for p in (zp, hp)]
        if not taken & set(names):
            break
    else:  # pragma: no cover - every prefix taken
        zp, hp = "Zauto", "Hauto"
    mapping: dict = {}
    lets: dict = {}
    memo: dict = {}

    def replace(e: Expr) -> Expr:  # children first: no deep recursion, one memo for all calls
        for node in _postorder(e, x):
            if node not in memo:
                memo[node] = mapping.get(node) or b.map_children(node, lambda c: memo.get(c, c))
        return memo.get(e, e)

    for i, node in enumerate(applies, 1):
        arg = replace(node.arg)
        if not isinstance(arg, Var):
            z = Var(f"{zp}{i}", arg.shape)
            lets[z] = arg
            mapping[node.arg] = memo[node.arg] = z
            arg = z
        h = Var(f"{hp}{i}", node.shape)
        lets[h] = b.apply(node.fn, arg)
        mapping[node] = memo[node] = h
    return replace(f), lets


def auto_backprop(f: Expr, x: Var) -> Backprop | None:
    """The recursion of a deep composition (None when it is shallow)."""
    if layer_depth(f, x) < AUTO_MIN_DEPTH:
        return None
    g, lets = auto_lets(f, x)
    return backprop(g, x, lets, auto=True)


def parse_lines(lines, shapes=None, lets=None, functions=()) -> dict:
    """Parse back a printed back-propagation form: ``lines`` is its text (or a
    list of ``NAME = EXPR`` lines), ``lets`` the user's own --let lines when
    they were not printed.  Returns {name: value} with every name replaced by
    its definition, so the last adjoint's value is the gradient."""
    from .calculus import full_definitions as _full_definitions
    from .frontend.arguments import lets_argument as _lets, shapes_with_names as _shapes
    from .frontend import to_exprs

    if isinstance(lines, str):
        lines = [line for line in lines.splitlines() if line.strip()]
    items = _lets(list(lets or [])) + _lets(list(lines))
    last = items[-1][0]
    _, definitions, ctx = to_exprs(last, items, _shapes(shapes), tuple(functions))
    let_vars = {Var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    return {v.name: e for v, e in _full_definitions(let_vars).items()}
