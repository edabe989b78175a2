"""Lexer and LALR parser for OpenQASM text: text -> a small tuple AST.

The grammar is ``qasm.lark`` (lark, LALR(1)). The lexer is one compiled regular expression run
with ``finditer`` that yields lark tokens; it emits coarse tokens (a whole ``q[12]`` is one
``INDEXED`` token) because lark's per-token cost dominates on large files. The parse callbacks
build tuples instead of lark trees and fold constant expressions, so a 100,000-gate file parses
in well under two seconds (see ``bench/qasm_parse.py``).

AST
---
Statements are tuples whose first item is the kind, e.g. ``("call", name_tok, mods, params,
args)``; every statement keeps a lark ``Token`` so errors can give line and column. Expressions
are floats (constants, already folded) or tuples ``("name", tok)``, ``("add", a, b)``...
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from qtilab._optional import require
from qtilab.errors import QasmError

KEYWORDS = {
    "OPENQASM": "OPENQASM", "include": "INCLUDE", "qreg": "QREG", "creg": "CREG",
    "qubit": "QUBIT", "bit": "BIT", "input": "INPUT", "gate": "GATE", "opaque": "OPAQUE",
    "measure": "MEASURE", "reset": "RESET", "barrier": "BARRIER", "if": "IF", "inv": "INV",
    "pow": "POW", "ctrl": "CTRL", "negctrl": "NEGCTRL",
}
PUNCT = {
    ";": "SEMICOLON", "[": "LSQB", "]": "RSQB", "{": "LBRACE", "}": "RBRACE", ",": "COMMA",
    "(": "LPAR", ")": "RPAR", "@": "AT", "->": "ARROW", "=": "EQUAL", "==": "EQEQ", "!": "BANG",
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "**": "POWOP", "^": "POWOP",
}
#: readable names of terminals, for error messages
TERMINAL_TEXT = {v: repr(k) for k, v in PUNCT.items()}
TERMINAL_TEXT.update({v: repr(k) for k, v in KEYWORDS.items()})
TERMINAL_TEXT.update(
    {"NAME": "a name", "INDEXED": "an indexed reference like q[0]", "NUMBER": "a number",
     "STRING": "a quoted file name", "POWOP": "'**'", "$END": "end of file"}
)

_NAME = r"[^\W\d]\w*"
_TOKEN_RE = re.compile(
    r"(?P<WS>\s+)"
    r"|(?P<COMMENT>//[^\n]*)"
    r"|(?P<BLOCK>/\*(?s:.*?)\*/)"
    r"|(?P<KW>(?:" + "|".join(KEYWORDS) + r")(?!\w))"
    r"|(?P<INDEXED>" + _NAME + r"[ \t]*\[[ \t]*\d+[ \t]*\])"
    r"|(?P<NAME>" + _NAME + r")"
    r"|(?P<NUMBER>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<STRING>\"[^\"\n]*\"|'[^'\n]*')"
    r"|(?P<PUNCT>->|==|\*\*|[;\[\]{},()@=!+\-*/^])"
    r"|(?P<ERR>(?s:.))"
)

CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": math.tau, "τ": math.tau, "euler": math.e, "ℇ": math.e}

FUNCTIONS = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "ln": math.log,
    "sqrt": math.sqrt, "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan,
}


def _lexer_class() -> Any:
    lark = require("lark", extra="qasm")

    class QasmLexer(lark.lexer.Lexer):  # type: ignore[misc, name-defined]
        def __init__(self, conf: Any) -> None:
            pass

        __future_interface__ = 0  # lark passes the whole text to lex()

        def lex(self, text: str) -> Iterator[Any]:  # type: ignore[override]
            Token = lark.Token
            line = 1
            line_start = 0
            kw = KEYWORDS
            punct = PUNCT
            for m in _TOKEN_RE.finditer(text):
                kind = m.lastgroup
                if kind == "WS" or kind == "BLOCK":
                    v = m.group()
                    nl = v.count("\n")
                    if nl:
                        line += nl
                        line_start = m.start() + v.rfind("\n") + 1
                    continue
                if kind == "COMMENT":
                    continue
                start = m.start()
                v = m.group()
                if kind == "KW":
                    yield Token(kw[v], v, start, line, start - line_start + 1)
                elif kind == "PUNCT":
                    yield Token(punct[v], v, start, line, start - line_start + 1)
                elif kind == "ERR":
                    raise QasmError(
                        f"unexpected character {v!r}", line=line, column=start - line_start + 1, token=v
                    )
                else:
                    yield Token(kind, v, start, line, start - line_start + 1)

    return QasmLexer


def _fold(op: str, *args: Any) -> Any:
    """Evaluate ``op`` when all arguments are numbers; keep the tuple otherwise (or on error,
    so that the reader reports the error with its position)."""
    if all(type(a) is float for a in args):
        try:
            if op == "add":
                v = args[0] + args[1]
            elif op == "sub":
                v = args[0] - args[1]
            elif op == "mul":
                v = args[0] * args[1]
            elif op == "div":
                v = args[0] / args[1]
            elif op == "neg":
                v = -args[0]
            else:  # pragma: no cover
                raise ValueError(op)
        except (ArithmeticError, ValueError):
            return (op, *args)
        if type(v) is float and math.isfinite(v):
            return v
    return (op, *args)


def _callbacks() -> dict[str, Any]:
    """Parse callbacks, one per rule (and alias), building the tuple AST."""

    def start(c: list[Any]) -> list[Any]:
        return c

    def version(c: list[Any]) -> Any:
        return ("version", c[1])

    def include(c: list[Any]) -> Any:
        return ("include", c[1])

    def qreg(c: list[Any]) -> Any:
        return ("qreg", c[0], c[1])

    def creg(c: list[Any]) -> Any:
        return ("creg", c[0], c[1])

    def designator(c: list[Any]) -> Any:
        return ("designator", c[0])

    def _sized(kind: str) -> Any:
        def f(c: list[Any]) -> Any:
            size = c[1][1] if len(c) == 3 else None
            return (kind, c[0], size, c[-1])

        return f

    def input_decl(c: list[Any]) -> Any:
        return ("input", c[0], c[1], c[2])

    def formal_params(c: list[Any]) -> Any:
        return ("params", list(c))

    def name_list(c: list[Any]) -> Any:
        return list(c)

    def gate_def(c: list[Any]) -> Any:
        name = c[1]
        i = 2
        params: list[Any] = []
        if isinstance(c[i], tuple) and c[i][0] == "params":
            params = c[i][1]
            i += 1
        qargs = c[i]
        body = c[i + 1 :]
        return ("gate", name, params, qargs, body)

    def opaque_def(c: list[Any]) -> Any:
        name = c[1]
        params = c[2][1] if isinstance(c[2], tuple) else []
        return ("opaque", name, params, c[-1])

    def call(c: list[Any]) -> Any:
        mods = []
        i = 0
        while type(c[i]) is tuple:  # modifiers come first
            mods.append(c[i])
            i += 1
        name = c[i]
        params = None
        args: list[Any] = []
        for x in c[i + 1 :]:
            if type(x) is list:
                args = x
            else:
                params = x[1]
        return ("call", name, mods, params, args)

    def actual_params(c: list[Any]) -> Any:
        return ("actual", list(c))

    def mod_inv(c: list[Any]) -> Any:
        return ("inv", c[0])

    def mod_pow(c: list[Any]) -> Any:
        return ("pow", c[0], c[1])

    def mod_ctrl(c: list[Any]) -> Any:
        return ("ctrl", c[0], c[1] if len(c) > 1 else 1.0)

    def mod_negctrl(c: list[Any]) -> Any:
        return ("negctrl", c[0], c[1] if len(c) > 1 else 1.0)

    def arg_list(c: list[Any]) -> Any:
        return list(c)

    def measure(c: list[Any]) -> Any:
        return ("measure", c[0], c[1], c[3])

    def measure_assign(c: list[Any]) -> Any:
        return ("measure", c[1], c[2], c[0])

    def reset(c: list[Any]) -> Any:
        return ("reset", c[0], c[1])

    def barrier(c: list[Any]) -> Any:
        return ("barrier", c[0], c[1] if len(c) > 1 else [])

    def if_stmt(c: list[Any]) -> Any:
        return ("if", c[0], c[1], c[2:])

    def cond_eq(c: list[Any]) -> Any:
        return ("eq", c[0], c[2])

    def cond_bit(c: list[Any]) -> Any:
        return ("bit", c[0])

    def cond_not(c: list[Any]) -> Any:
        return ("not", c[0])

    def add(c: list[Any]) -> Any:
        return _fold("add", c[0], c[1])

    def sub(c: list[Any]) -> Any:
        return _fold("sub", c[0], c[1])

    def mul(c: list[Any]) -> Any:
        return _fold("mul", c[0], c[1])

    def div(c: list[Any]) -> Any:
        return _fold("div", c[0], c[1])

    def neg(c: list[Any]) -> Any:
        return _fold("neg", c[0])

    def factor(c: list[Any]) -> Any:  # unary plus
        return c[0]

    def pow_(c: list[Any]) -> Any:
        return ("pow", c[0], c[2], c[1])

    def number(c: list[Any]) -> Any:
        return float(c[0])

    def name(c: list[Any]) -> Any:
        v = CONSTANTS.get(str(c[0]))
        return v if v is not None else ("name", c[0])

    def func(c: list[Any]) -> Any:
        f = FUNCTIONS.get(str(c[0]))
        if f is not None and type(c[1]) is float:
            try:
                v = f(c[1])
                if type(v) is float and math.isfinite(v):
                    return v
            except (ArithmeticError, ValueError):
                pass
        return ("func", c[0], c[1])

    cbs = dict(locals())
    cbs["qubit_decl"] = _sized("qubit")
    cbs["bit_decl"] = _sized("bit")
    cbs["pow"] = cbs.pop("pow_")
    cbs.pop("_sized")
    return cbs


@lru_cache(maxsize=1)
def _parser() -> Any:
    lark = require("lark", extra="qasm")
    grammar = resources.files("qtilab.core.qasm").joinpath("qasm.lark").read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        lexer=_lexer_class(),
        maybe_placeholders=False,
        transformer=_transformer(lark),
        propagate_positions=False,
    )


def _transformer(lark: Any) -> Any:
    # lark's LALR parser calls ``getattr(transformer, rule)(children)`` at each reduction
    t = lark.Transformer()
    for k, v in _callbacks().items():
        setattr(t, k, v)
    return t


def _expected_text(expected: Any) -> str:
    names = sorted({TERMINAL_TEXT.get(e, e) for e in expected})
    if len(names) > 8:
        names = names[:8] + ["..."]
    return ", ".join(names)


def parse(text: str, filename: str | None = None) -> list[Any]:
    """Parse OpenQASM ``text`` into the tuple AST; syntax errors raise :class:`QasmError`."""
    lark = require("lark", extra="qasm")
    exc_mod = lark.exceptions
    try:
        return _parser().parse(text)  # type: ignore[no-any-return]
    except QasmError as exc:
        raise QasmError(exc.message, filename=filename, line=exc.line, column=exc.column, token=exc.token) from None
    except exc_mod.UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            raise QasmError(
                f"unexpected end of file; expected {_expected_text(exc.expected)}",
                filename=filename, line=exc.line if exc.line != -1 else None, column=None, token=None,
            ) from None
        raise QasmError(
            f"syntax error: unexpected {str(tok)!r}; expected {_expected_text(exc.expected)}",
            filename=filename, line=tok.line, column=tok.column, token=str(tok),
        ) from None
    except exc_mod.UnexpectedInput as exc:  # pragma: no cover - other lark input errors
        raise QasmError(f"syntax error: {exc}", filename=filename, line=getattr(exc, "line", None),
                        column=getattr(exc, "column", None)) from None
    except exc_mod.LarkError as exc:  # pragma: no cover - defensive: never leak lark errors
        raise QasmError(f"cannot parse: {exc}", filename=filename) from None
    except RecursionError:
        raise QasmError("expression nested too deeply", filename=filename) from None
