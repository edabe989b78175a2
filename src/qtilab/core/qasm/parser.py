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
_NUM = r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_FACTOR = r"(?:" + _NUM + r"|pi)"
_SPARAM = r"[-+]?[ \t]*" + _FACTOR + r"(?:[ \t]*[*/][ \t]*" + _FACTOR + r")*"
_SARG = _NAME + r"(?:[ \t]*\[[ \t]*\d+[ \t]*\])?"
#: a flat one-line gate call with numeric parameters: one token (see qasm.lark)
_SIMPLE = (
    r"(?P<sn>" + _NAME + r")"
    + r"(?:[ \t]*\((?P<sp>[ \t]*(?:" + _SPARAM + r"(?:[ \t]*,[ \t]*" + _SPARAM + r")*)?[ \t]*)\)[ \t]*|[ \t]+)"
    + r"(?P<sa>" + _SARG + r"(?:[ \t]*,[ \t]*" + _SARG + r")*)[ \t]*;"
    # the end of the line comes along: one regex match per line on the hot path
    + r"(?P<snl>[ \t]*\r?\n)?"
)
_SIMPLE_PARTS = re.compile(
    r"(" + _NAME + r")[ \t]*(?:\(([^)]*)\))?[ \t]*([^;]*);"
)
_SFACTORS = re.compile(r"[ \t]*([*/])?[ \t]*(" + _FACTOR + r")")
_TOKEN_RE = re.compile(
    r"(?P<WS>\s+)"
    r"|(?P<COMMENT>//[^\n]*)"
    r"|(?P<BLOCK>/\*(?s:.*?)\*/)"
    r"|(?P<KW>(?:" + "|".join(KEYWORDS) + r")(?!\w))"
    r"|(?P<SIMPLE_CALL>" + _SIMPLE + r")"
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


class Tok:
    """A token: terminal ``type``, text ``value``, 1-based ``line`` and ``column``.

    Lighter than lark's ``Token`` (a ``str`` subclass with ten fields); the LALR driver below
    only needs ``type``.
    """

    __slots__ = ("type", "value", "line", "column")

    def __init__(self, type: str, value: str, line: int, column: int) -> None:
        self.type = type
        self.value = value
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Tok({self.type}, {self.value!r}, {self.line}:{self.column})"


class SimpleTok(Tok):
    """A SIMPLE_CALL token with the lexer's groups: (name, parameter text or None, arguments)."""

    __slots__ = ("parts",)

    def __init__(self, value: str, line: int, column: int, parts: tuple[str, str | None, str]) -> None:
        self.type = "SIMPLE_CALL"
        self.value = value
        self.line = line
        self.column = column
        self.parts = parts


def lex(text: str) -> Iterator[Tok]:
    """Tokens of ``text``; an impossible character raises :class:`QasmError`."""
    line = 1
    line_start = 0
    kw = KEYWORDS
    punct = PUNCT
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "SIMPLE_CALL":  # first: one per line of large files
            start = m.start()
            sn, sp, sa, snl = m.group("sn", "sp", "sa", "snl")
            yield SimpleTok(m.group(), line, start - line_start + 1, (sn, sp, sa))
            if snl is not None:
                line += 1
                line_start = m.end()
            continue
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
            yield Tok(kw[v], v, line, start - line_start + 1)
        elif kind == "PUNCT":
            yield Tok(punct[v], v, line, start - line_start + 1)
        elif kind == "ERR":
            raise QasmError(f"unexpected character {v!r}", line=line, column=start - line_start + 1, token=v)
        else:
            yield Tok(kind, v, line, start - line_start + 1)  # type: ignore[arg-type]


def _lexer_class() -> Any:
    lark = require("lark", extra="qasm")

    class QasmLexer(lark.lexer.Lexer):  # type: ignore[misc, name-defined]
        """Only used to build lark's tables: parsing runs through :func:`_drive`."""

        __future_interface__ = 0

        def __init__(self, conf: Any) -> None:
            pass

        def lex(self, text: str) -> Iterator[Any]:  # type: ignore[override]  # pragma: no cover
            return lex(text)

    return QasmLexer


_PARAM_CACHE: dict[str, Any] = {}
_ARGS_CACHE: dict[str, list[str]] = {}


def _simple_param(text: str) -> Any:
    """Value of one SIMPLE_CALL parameter: an optional sign, then numbers/pi joined by * and /."""
    v = _PARAM_CACHE.get(text)
    if v is not None:
        return v
    try:
        # the lexer only lets digits, '.', 'e', signs, 'pi', '*' and '/' through, so float()
        # succeeds exactly on plain numbers
        return float(text)
    except ValueError:
        pass
    t = text.strip()
    sign = 1.0
    if t[0] in "+-":
        sign = -1.0 if t[0] == "-" else 1.0
        t = t[1:]
    acc: Any = None
    for m in _SFACTORS.finditer(t):
        op, f = m.group(1), m.group(2)
        x = math.pi if f == "pi" else float(f)
        if acc is None:
            acc = x
        elif op == "*":
            acc = _fold("mul", acc, x)
        else:
            acc = _fold("div", acc, x)
    out = _fold("neg", acc) if sign < 0 else acc
    if len(_PARAM_CACHE) < 100_000:
        _PARAM_CACHE[text] = out
    return out


def split_simple(tok: Any) -> tuple[str, list[Any] | None, list[str]]:
    """Name, parameter values and argument texts of a SIMPLE_CALL token (or its text)."""
    if type(tok) is SimpleTok:
        name, ptext, atext = tok.parts
    else:  # pragma: no cover - every SIMPLE_CALL token is a SimpleTok
        m = _SIMPLE_PARTS.match(tok)
        assert m is not None  # the lexer matched the stricter pattern
        name, ptext, atext = m.group(1), m.group(2), m.group(3)
    if ptext is None:
        params = None
    else:
        try:  # one plain number: the most common case
            params = [float(ptext)]
        except ValueError:
            params = [_simple_param(p) for p in ptext.split(",")] if ptext.strip() else []
    args = _ARGS_CACHE.get(atext)
    if args is None:
        args = [a.replace(" ", "").replace("\t", "") for a in atext.split(",")]
        if len(_ARGS_CACHE) < 100_000:
            _ARGS_CACHE[atext] = args
    return name, params, args


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


def _call_from_simple(tok: Tok, mods: list[Any]) -> Any:
    n, ps, args = split_simple(tok)
    return ("call", n, mods, ps, args, tok)


def _callbacks() -> dict[str, Any]:
    """Parse callbacks, one per rule (and alias), building the tuple AST.

    Each gets the children with anonymous tokens (punctuation) already filtered out by lark.
    """

    def start(c: list[Any]) -> Any:
        version = None
        stmts: list[Any] = []
        for x in c:
            if type(x) is tuple:
                version = x
            else:
                stmts = x
        return (version, stmts)

    def version(c: list[Any]) -> Any:
        return ("version", c[1])

    def include(c: list[Any]) -> Any:
        return ("include", c[0], c[1].value[1:-1])

    def qreg(c: list[Any]) -> Any:
        return ("qreg", c[0], c[1].value)

    def creg(c: list[Any]) -> Any:
        return ("creg", c[0], c[1].value)

    def designator(c: list[Any]) -> Any:
        return ("designator", c[0])

    def _sized(kind: str) -> Any:
        def f(c: list[Any]) -> Any:
            size = c[1][1] if len(c) == 3 else None
            return (kind, c[0], size, c[-1].value)

        return f

    def input_decl(c: list[Any]) -> Any:
        if len(c) == 2:  # INPUT SIMPLE_CALL: `input float x;`
            n, ps, args = split_simple(c[1])
            if ps is not None or len(args) != 1:
                return ("bad", c[1], "an input declaration reads `input float name;`")
            return ("input", c[0], n, args[0])
        return ("input", c[0], c[1].value, c[2].value)

    def formal_params(c: list[Any]) -> Any:
        return ("params", [t.value for t in c])

    def name_list(c: list[Any]) -> Any:
        return [t.value for t in c]

    def gate_def(c: list[Any]) -> Any:
        i = 2
        params: list[str] = []
        if type(c[i]) is tuple:
            params = c[i][1]
            i += 1
        return ("gate", c[1], params, c[i], c[i + 1 :])

    def opaque_def(c: list[Any]) -> Any:
        if len(c) == 2:  # OPAQUE SIMPLE_CALL: `opaque g a, b;`
            n, ps, args = split_simple(c[1])
            if ps:
                return ("bad", c[1], "opaque gate parameters must be names")
            return ("opaque", c[1], n, [], args)
        params = c[2][1] if type(c[2]) is tuple else []
        return ("opaque", c[1], c[1].value, params, c[-1])

    def full_call(c: list[Any]) -> Any:
        mods = []
        i = 0
        while type(c[i]) is tuple:  # modifiers come first
            mods.append(c[i])
            i += 1
        name = c[i]
        params = None
        args: list[str] = []
        for x in c[i + 1 :]:
            if type(x) is list:
                args = x
            else:
                params = x[1]
        return ("call", name.value, mods, params, args, name)

    def simple_call(c: list[Any]) -> Any:
        return _call_from_simple(c[0], [])

    def mod_simple_call(c: list[Any]) -> Any:
        return _call_from_simple(c[-1], c[:-1])

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
        return [t.value.replace(" ", "").replace("\t", "") for t in c]

    def _a(t: Tok) -> str:
        return t.value.replace(" ", "").replace("\t", "")

    def measure(c: list[Any]) -> Any:
        return ("measure", c[0], _a(c[1]), _a(c[3]))

    def measure_assign(c: list[Any]) -> Any:
        return ("measure", c[1], _a(c[2]), _a(c[0]))

    def reset(c: list[Any]) -> Any:
        return ("reset", c[0], _a(c[1]))

    def barrier(c: list[Any]) -> Any:
        return ("barrier", c[0], c[1] if len(c) > 1 else [])

    def if_stmt(c: list[Any]) -> Any:
        return ("if", c[0], c[1], c[2:])

    def cond_eq(c: list[Any]) -> Any:
        return ("eq", _a(c[0]), c[2])

    def cond_bit(c: list[Any]) -> Any:
        return ("bit", _a(c[0]))

    def cond_not(c: list[Any]) -> Any:
        return ("not", _a(c[0]))

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
        return float(c[0].value)

    def name(c: list[Any]) -> Any:
        v = CONSTANTS.get(c[0].value)
        return v if v is not None else ("name", c[0])

    def func(c: list[Any]) -> Any:
        f = FUNCTIONS.get(c[0].value)
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
    for k in ("_sized", "_a"):
        cbs.pop(k)
    return cbs


def _simple_stmt(x: SimpleTok) -> tuple[Any, ...]:
    """The call tuple of a top-level SIMPLE_CALL (split_simple, inlined: once per line)."""
    name, ptext, atext = x.parts
    if ptext is None:
        params = None
    else:
        try:
            params = [float(ptext)]
        except ValueError:
            params = [_simple_param(p) for p in ptext.split(",")] if ptext.strip() else []
    args = _ARGS_CACHE.get(atext)
    if args is None:
        args = [a.replace(" ", "").replace("\t", "") for a in atext.split(",")]
        if len(_ARGS_CACHE) < 100_000:
            _ARGS_CACHE[atext] = args
    return ("call", name, [], params, args, x)


def _stmts(c: list[Any]) -> list[Any]:
    x = c[-1]
    if type(x) is SimpleTok:
        x = _simple_stmt(x)
    if len(c) == 1:
        return [x]
    c[0].append(x)
    return c[0]  # type: ignore[no-any-return]


def _stmt(c: list[Any]) -> Any:
    return c[0]


def _simple(c: list[Any]) -> Any:
    return _call_from_simple(c[0], [])


#: reduce actions that take the raw stack slice (these rules have no punctuation to filter)
_RAW_ACTIONS = {"stmts": _stmts, "stmt": _stmt, "simple_call": _simple}


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


@lru_cache(maxsize=1)
def _fast_states() -> frozenset[int]:
    """States where a SIMPLE_CALL is shifted and then always reduced by ``stmts: stmts
    SIMPLE_CALL``, which returns to the same state: the driver appends the call directly."""
    states = _tables()[0]
    out = set()
    for st, row in states.items():
        act = row.get("SIMPLE_CALL")
        if act is None or not act[0]:
            continue
        nxt = states[act[1]]
        if nxt and all(not a[0] and a[1][0] == 2 and a[1][2] == "stmts" for a in nxt.values()):
            out.add(st)
    return frozenset(out)


@lru_cache(maxsize=1)
def _tables() -> tuple[Any, Any, int, int]:
    """lark's LALR table, recoded for a tight driver loop.

    Each action becomes ``(True, next_state)`` for a shift or ``(False, (size, callback,
    nonterminal))`` for a reduce, so the loop never hashes lark ``Rule`` objects (which costs
    more than the rest of the step together).
    """
    lark = require("lark", extra="qasm")
    inner = _parser().parser.parser.parser
    table = inner.parse_table
    shift = lark.parsers.lalr_analysis.Shift
    reduces: dict[int, Any] = {}
    states: dict[int, dict[str, Any]] = {}
    for st, row in table.states.items():
        new_row = {}
        for term, (action, arg) in row.items():
            # lark's names are Token objects (str subclasses with a Python-level __eq__):
            # plain str keys keep every lookup in C
            term = str.__str__(term)
            if action is shift:
                new_row[term] = (True, arg)
            else:
                key = id(arg)
                if key not in reduces:
                    cb = _RAW_ACTIONS.get(arg.origin.name, inner.callbacks[arg])
                    reduces[key] = (len(arg.expansion), cb, str.__str__(arg.origin.name))
                new_row[term] = (False, reduces[key])
        states[st] = new_row
    return states, Tok, table.start_states["start"], table.end_states["start"]


def _drive(text: str) -> Any:
    """Run the LALR automaton over the lexer's tokens (what lark's parser does, minus overhead)."""
    states, Token, start, end = _tables()
    fast = _fast_states()
    sstack = [start]
    vstack: list[Any] = []
    tok = None
    for tok in lex(text):
        ttype = tok.type
        if ttype == "SIMPLE_CALL" and sstack[-1] in fast:
            # shift, then reduce `stmts: stmts SIMPLE_CALL` back to this same state
            vstack[-1].append(_simple_stmt(tok))  # type: ignore[arg-type]
            continue
        while True:
            row = states[sstack[-1]]
            act = row.get(ttype)
            if act is None:
                raise _Unexpected(tok, row)
            if act[0]:
                sstack.append(act[1])
                vstack.append(tok)
                break
            size, cb, origin = act[1]
            if size:
                args = vstack[-size:]
                del sstack[-size:]
                del vstack[-size:]
            else:
                args = []
            vstack.append(cb(args))
            sstack.append(states[sstack[-1]][origin][1])
    end_tok = Token("$END", "", tok.line if tok is not None else 1, 1)
    while True:
        row = states[sstack[-1]]
        act = row.get("$END")
        if act is None:
            raise _Unexpected(end_tok, row)
        if act[0]:  # pragma: no cover - $END is never shifted by lark's tables
            break
        size, cb, origin = act[1]
        if size:
            args = vstack[-size:]
            del sstack[-size:]
            del vstack[-size:]
        else:
            args = []
        vstack.append(cb(args))
        sstack.append(states[sstack[-1]][origin][1])
        if sstack[-1] == end:
            return vstack[-1]


class _Unexpected(Exception):
    def __init__(self, token: Any, row: dict[str, Any]) -> None:
        self.token = token
        self.expected = {k for k in row if k.isupper() or k == "$END"}


_STMT_WORD = re.compile(r"(?:\s|//[^\n]*|/\*(?s:.*?)\*/)*([^\W\d]\w*)")


def _statement_word(text: str, line: int, column: int) -> tuple[str, int, int] | None:
    """The first word of the statement holding position (line, column), with its position."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
    start = max(text.rfind(ch, 0, offset) for ch in ";{}") + 1
    m = _STMT_WORD.match(text, start)
    if m is None or m.start(1) > offset:
        return None
    pos = m.start(1)
    wline = text.count("\n", 0, pos) + 1
    wcol = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return m.group(1), wline, wcol


def parse(
    text: str, filename: str | None = None, unsupported: dict[str, str] | None = None
) -> tuple[Any, list[Any]]:
    """Parse OpenQASM ``text`` into the tuple AST; syntax errors raise :class:`QasmError`.

    ``unsupported`` maps statement keywords outside the supported language to a description:
    a syntax error in a statement that starts with one becomes a "not supported" error.
    """
    try:
        return _drive(text)  # type: ignore[no-any-return]
    except QasmError as exc:
        raise QasmError(exc.message, filename=filename, line=exc.line, column=exc.column, token=exc.token) from None
    except _Unexpected as exc:
        tok = exc.token
        if tok.type == "$END":
            raise QasmError(
                f"unexpected end of file; expected {_expected_text(exc.expected)}",
                filename=filename, line=tok.line, column=None, token=None,
            ) from None
        if unsupported:
            word = _statement_word(text, tok.line, tok.column)
            if word is not None and word[0] in unsupported:
                raise QasmError(
                    f"{unsupported[word[0]]}", filename=filename, line=word[1], column=word[2], token=word[0]
                ) from None
        shown = tok.value if tok.type != "SIMPLE_CALL" else re.split(r"[\s(]", tok.value)[0]
        raise QasmError(
            f"syntax error: unexpected {shown!r}; expected {_expected_text(exc.expected)}",
            filename=filename, line=tok.line, column=tok.column, token=shown,
        ) from None
    except RecursionError:
        raise QasmError("expression nested too deeply", filename=filename) from None
