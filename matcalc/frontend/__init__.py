"""The front end: source text -> canonical expression, shapes inferred.

convention.py   what an undeclared name means (x vector, A matrix, alpha scalar)
shape_spec.py   declared shapes: --shape text, the API's shapes argument
literals.py     number literals and exponents, within limits
tree.py         Syn, the syntax node
forms.py        one row per form of the grammar, read by every stage; the walks
syntax.py       Lark tree -> Syn
generic_calls.py  sigma(Z), f(Z): products that are calls
context.py      the typing context: shapes, unknown dimensions, errors
unify.py        unknown dimensions and their unification
infer.py        shape rules;  calls.py: everything about function calls
lower.py        lowering rules: Syn -> expression through build.py
lets.py         --let definitions in dependency order
pipeline.py     the stages in order: to_expr, to_exprs
"""
from .convention import convention
from .pipeline import to_expr, to_exprs
from .shape_spec import parse_dims

__all__ = ["convention", "parse_dims", "to_expr", "to_exprs"]
