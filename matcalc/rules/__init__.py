"""The calculus rules: differentials, adjoint (Frobenius) moves, tidying."""
