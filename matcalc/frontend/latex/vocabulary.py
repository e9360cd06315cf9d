"""LaTeX input: the vocabulary read (macros, fonts, accents, spaces, operators, functions)."""
from __future__ import annotations

import re


GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi varphi chi psi omega").split()
CAPITAL_GREEK = "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
GREEK_MACROS = {g: g for g in GREEK + CAPITAL_GREEK}
GREEK_MACROS.update({"varsigma": "sigma", "varrho": "rho", "varpi": "pi", "ell": "l", "imath": "i", "jmath": "j"})

# fonts and styles that keep the name: \mathbf{x} is x
NAME_FONTS = {"mathbf", "boldsymbol", "bm", "textbf", "mathit", "mathnormal", "pmb", "bold", "mathbfit",
              "symbf", "symbfit", "symit", "mathsf", "mathbb", "vb", "vec", "mathrm", "text", "textrm",
              "textit", "operatorname", "mathup", "symrm", "textsf", "mathtt"}
# \mathrm{word} and friends: a word is one name (or a function); in \mathbf{Ax} each letter is one
WORD_FONTS = {"mathrm", "text", "textrm", "textit", "operatorname", "mathup", "symrm", "textsf", "mathtt",
              "mathsf"}
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
           "widetilde": "tilde", "dot": "dot", "check": "check"}
SPACES = {",", ";", ":", ">", " ", "quad", "qquad", "thinspace", "medspace", "thickspace", "enspace",
          "nobreakspace", "space"}
NEGATIVE_SPACES = {"!", "negthinspace", "negmedspace", "negthickspace"}
SIZED_SIDES = {"l": "open", "r": "close", "m": None, "": None}
OPERATORS = {"cdot": "*", "times": "*", "ast": "*", "odot": ".*", "circ": ".*", "oslash": "./",
             "otimes": "⊗", "div": "/", "colon": ":", "bullet": "*"}
# LaTeX's own function macros: \log x, \det X
FUNCTION_MACROS = {"log": "log", "ln": "log", "exp": "exp", "det": "det", "sin": "sin", "cos": "cos",
                   "tanh": "tanh", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "arcsin": "arcsin",
                   "arccos": "arccos", "arctan": "arctan", "tr": "tr", "Tr": "tr", "trace": "tr",
                   "diag": "diag", "logdet": "logdet", "sgn": "sign", "erf": "erf"}
UNSUPPORTED = {
    "sum": "a sum with limits: write sum(...) of a vector or matrix, or \\mathbf{1}^\\top x",
    "prod": "a product with limits", "int": "an integral", "partial": "a derivative sign",
    "nabla": "a derivative sign", "max": "max (not supported)", "min": "min (not supported)",
    "arg": "arg", "lim": "a limit", "sup": "sup", "inf": "inf", "mathcal": "a calligraphic name",
    "mathscr": "a script name", "mathfrak": "a fraktur name", "in": "a set membership",
    "le": "an inequality", "leq": "an inequality", "ge": "an inequality", "geq": "an inequality",
    "approx": "an approximation", "propto": "proportionality", "to": "an arrow", "mapsto": "an arrow",
    "rightarrow": "an arrow", "sim": "a distribution", "mid": "a conditional bar", "vert": "|...|",
    "lvert": "|...| (absolute value or determinant: write \\det(X) or \\operatorname{abs}(x))",
    "rvert": "|...| (absolute value or determinant: write \\det(X) or \\operatorname{abs}(x))",
    "dots": "dots", "ldots": "dots", "cdots": "dots", "binom": "a binomial coefficient",
    "begin": "an environment (matrices written entry by entry)", "end": "an environment",
    "label": "a label", "tag": "a tag", "over": "\\over (write \\frac)",
}
STYLE_SWITCHES = {"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits"}
TRANSPOSE_MARKS = {"top", "intercal", "T", "mathsf{T}", "mathrm{T}", "text{T}", "textsf{T}",
                   "mathsf{\\top}", "bot"}


def _keywords():
    from ...parser import KEYWORDS

    return set(KEYWORDS)

def _sized(name: str):
    """For \\bigl, \\Bigr, \\big: 'open', 'close', None (no side); False if no size command."""
    m = re.fullmatch(r"(big|Big|bigg|Bigg)([lrm]?)", name)
    if not m:
        return False
    return SIZED_SIDES[m.group(2)]
