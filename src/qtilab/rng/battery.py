"""The SP 800-22 battery as a study: m sequences of n bits, second-level analysis, verdicts.

First level: every selected test on every sequence (tests whose SP 800-22 input-size rule the
sequence breaks are "not applicable", with the rule). Second level, as the reference suite's
``finalAnalysisReport``: for each reported P-value (row), the proportion of sequences passing
at alpha = 0.01 against the band (1 - alpha) +- 3 sqrt(alpha (1 - alpha) / m), and the
uniformity of the P-values (10 bins, chi-square, igamc(9/2, chi2/2) >= 1e-4; computed from
55 sequences on, as SP 800-22 4.2.2 asks).

A single-row test passes exactly when its row passes, as in the reference. A test with several
rows (148 templates, 8 or 18 excursion states, 2 serial P-values) passes when its number of
failing rows is within what an ideal generator exceeds with probability <= 1 % (binomial, with
the per-row false-alarm rate of the band and uniformity criteria), so many rows do not make a
good generator fail by chance; with a single sequence it also fails when any P-value is below
alpha / rows (Bonferroni), so one P = 0 among the rows is not excused. The per-row verdicts
are reported too.

Examples
--------
>>> from qtilab.rng.battery import BatteryConfig, run_battery
>>> from qtilab.rng.sources import make_source
>>> res = run_battery(make_source("pcg64", seed=1), BatteryConfig(n_bits=20_000, tests=("frequency", "runs")))
>>> sorted(res.verdicts)
['frequency', 'runs']
"""

from __future__ import annotations

import inspect
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.errors import ConfigError
from qtilab.rng.nist import ALPHA, TESTS, NistResult, as_bits
from qtilab.rng.nist._common import igamc, not_applicable

#: SP 800-22 4.2.2: P-value uniformity needs at least 55 sequences
MIN_SEQUENCES_UNIFORMITY = 55
UNIFORMITY_ALPHA = 1e-4


@dataclass(frozen=True)
class BatteryConfig:
    """What to run.

    Attributes
    ----------
    n_bits, n_sequences
        Length and number of sequences drawn one after the other from the source.
    tests
        Test keys (see :data:`qtilab.rng.nist.TESTS`); None runs all 15.
    params
        Per-test keyword overrides, e.g. ``{"block_frequency": {"M": 256}}``.
    alpha
        First-level significance level (reference: 0.01).
    enforce_min_length
        Apply SP 800-22's minimum input sizes (``MIN_BITS`` of each test module).
    workers
        Processes for the sequences (1 = in this process).
    """

    n_bits: int = 1_000_000
    n_sequences: int = 1
    tests: tuple[str, ...] | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    alpha: float = ALPHA
    enforce_min_length: bool = True
    workers: int = 1

    def test_keys(self) -> tuple[str, ...]:
        if isinstance(self.tests, str):
            raise ConfigError(f"tests must be a sequence of test keys, got the string {self.tests!r}")
        keys = tuple(TESTS) if self.tests is None else tuple(self.tests)
        if not keys:
            raise ConfigError(f"tests is empty: name at least one test ({', '.join(TESTS)}), or None for all")
        unknown = [k for k in keys if k not in TESTS]
        if unknown:
            raise ConfigError(f"unknown test(s) {unknown}; choose from {', '.join(TESTS)}")
        return keys

    def check(self) -> None:
        for name in ("n_bits", "n_sequences", "workers"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ConfigError(f"{name} must be a positive integer, got {v!r}")
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha must be in (0, 1), got {self.alpha}")
        keys = self.test_keys()
        _check_params(self.params, keys)


#: test parameters that are block or pattern sizes: each must be a positive integer
_SIZE_PARAMS = ("M", "m", "N", "L", "Q", "min_cycles_required")


def _check_params(params: Any, keys: Sequence[str]) -> None:
    """Refuse unknown tests and keywords, and sizes that are not positive integers."""
    if not isinstance(params, dict):
        raise ConfigError(f"params must be a dict {{test: {{keyword: value}}}}, got {params!r}")
    for test, kw in params.items():
        if test not in TESTS:
            raise ConfigError(f"params: unknown test {test!r}; choose from {', '.join(TESTS)}")
        if not isinstance(kw, dict):
            raise ConfigError(f"params[{test!r}] must be a dict of keyword arguments, got {kw!r}")
        sig = inspect.signature(TESTS[test][1])  # type: ignore[arg-type]
        allowed = [n for n in sig.parameters if n != "bits"]
        for name, value in kw.items():
            if name not in allowed:
                raise ConfigError(f"params[{test!r}]: unknown keyword {name!r}; {test} takes {allowed}")
            if name in _SIZE_PARAMS and value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                raise ConfigError(
                    f"params[{test!r}][{name!r}] = {value!r}: a block or pattern size must be a positive integer"
                )


@dataclass
class RowSummary:
    """Second-level summary of one reported P-value over the sequences."""

    test: str
    label: str
    n: int
    n_pass: int
    proportion: float
    band: tuple[float, float]
    uniformity_p: float | None
    histogram: list[int]
    passed: bool


@dataclass
class TestVerdict:
    """Verdict of one test over all its rows."""

    test: str
    name: str
    rows: list[RowSummary]
    failed_rows: int
    allowed_failures: int
    passed: bool | None
    applicable_sequences: int
    reason: str = ""


@dataclass
class BatteryResult:
    """Outcome of :func:`run_battery`; ``results[i][key]`` is sequence i's :class:`NistResult`."""

    config: BatteryConfig
    source: str
    results: list[dict[str, NistResult]]
    verdicts: dict[str, TestVerdict]
    seconds: float

    @property
    def verdict(self) -> str:
        """``"pass"`` when every applicable test passed and at least one applied, ``"fail"`` when
        one failed, ``"inconclusive"`` when no test could run (too few bits for all of them)."""
        done = [v.passed for v in self.verdicts.values() if v.passed is not None]
        if not done:
            return "inconclusive"
        return "pass" if all(done) else "fail"

    @property
    def passed(self) -> bool:
        """True when at least one test applied and every applicable test passed."""
        return self.verdict == "pass"

    @property
    def not_applicable(self) -> list[str]:
        """Tests that ran on no sequence (their input-size rule was not met)."""
        return [k for k, v in self.verdicts.items() if v.passed is None]

    def summary_rows(self) -> list[list[Any]]:
        """One row per test: key, verdict, failed/total rows, min proportion, min uniformity P."""
        out = []
        for k, v in self.verdicts.items():
            if v.passed is None:
                out.append([k, "n/a", "", "", "", v.reason])
                continue
            props = [r.proportion for r in v.rows]
            unif = [r.uniformity_p for r in v.rows if r.uniformity_p is not None]
            out.append([
                k, "PASS" if v.passed else "FAIL", f"{v.failed_rows}/{len(v.rows)} (<= {v.allowed_failures})",
                f"{min(props):.4f}", f"{min(unif):.4g}" if unif else "", "",
            ])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "n_bits": self.config.n_bits,
            "n_sequences": self.config.n_sequences,
            "alpha": self.config.alpha,
            "seconds": self.seconds,
            "verdict": self.verdict,
            "passed": self.passed,
            "not_applicable": self.not_applicable,
            "tests": {
                k: {
                    "verdict": None if v.passed is None else ("pass" if v.passed else "fail"),
                    "reason": v.reason,
                    "failed_rows": v.failed_rows,
                    "allowed_failures": v.allowed_failures,
                    "rows": [
                        {"label": r.label, "n": r.n, "proportion": r.proportion, "band": list(r.band),
                         "uniformity_p": r.uniformity_p, "histogram": r.histogram, "passed": r.passed}
                        for r in v.rows
                    ],
                    "p_values": [list(res[k].p_values) for res in self.results],
                }
                for k, v in self.verdicts.items()
            },
        }


def run_tests(bits: Any, tests: Sequence[str] | None = None, params: dict[str, dict[str, Any]] | None = None,
              enforce_min_length: bool = True) -> dict[str, NistResult]:
    """Run the selected tests on one sequence.

    Examples
    --------
    >>> r = run_tests("0" * 50, ["frequency"])
    >>> r["frequency"].applicable, r["frequency"].reason
    (False, 'n = 50 < 100 bits, the minimum SP 800-22 recommends for this test')
    """
    e = as_bits(bits)
    keys = tuple(TESTS) if tests is None else tuple(tests)
    params = params or {}
    out: dict[str, NistResult] = {}
    for k in keys:
        mod, fn = TESTS[k]
        if enforce_min_length and e.size < mod.MIN_BITS:
            out[k] = not_applicable(
                mod.NAME, f"n = {e.size} < {mod.MIN_BITS} bits, the minimum SP 800-22 recommends for this test"
            )
            continue
        out[k] = fn(e, **params.get(k, {}))  # type: ignore[operator]
    return out


def _proportion_band(m: int, alpha: float) -> tuple[float, float]:
    p = 1.0 - alpha
    h = 3.0 * math.sqrt(p * alpha / m)
    return p - h, p + h


def uniformity_p(p_values: np.ndarray) -> tuple[float, list[int]]:
    """The reference's uniformity P-value: 10 equal bins, chi-square with 9 degrees of freedom."""
    idx = np.minimum(np.floor(np.asarray(p_values) * 10).astype(np.int64), 9)
    hist = np.bincount(idx, minlength=10)
    expc = len(p_values) / 10.0
    chi2 = float(np.sum((hist - expc) ** 2 / expc))
    return igamc(4.5, chi2 / 2.0), hist.tolist()


def _row_false_alarm(m: int, alpha: float) -> float:
    """Probability that a row of an ideal generator fails (proportion outside the band, or
    uniformity below 1e-4 when it is evaluated)."""
    if m == 1:
        return alpha
    from scipy import stats as _stats

    lo, hi = _proportion_band(m, alpha)
    binom = _stats.binom(m, 1.0 - alpha)
    p_out = float(binom.cdf(math.ceil(lo * m) - 1) + binom.sf(math.floor(hi * m)))
    return min(1.0, p_out + (UNIFORMITY_ALPHA if m >= MIN_SEQUENCES_UNIFORMITY else 0.0))


def allowed_failures(rows: int, m: int, alpha: float, level: float = 0.01) -> int:
    """Largest number of failing rows an ideal generator exceeds with probability <= level.

    A single-row test gets 0: it passes exactly when its row passes, as in the reference.
    """
    if rows <= 1:
        return 0
    from scipy import stats as _stats

    r = _row_false_alarm(m, alpha)
    dist = _stats.binom(rows, r)
    k = 0
    while k < rows and dist.sf(k) > level:
        k += 1
    return k


def second_level(results: list[dict[str, NistResult]], keys: Sequence[str], alpha: float) -> dict[str, TestVerdict]:
    """Proportions, uniformity and verdicts over the sequences (see the module docstring)."""
    out: dict[str, TestVerdict] = {}
    for k in keys:
        mod, _ = TESTS[k]
        appl = [r[k] for r in results if r[k].applicable]
        if not appl:
            reasons = sorted({r[k].reason for r in results})
            out[k] = TestVerdict(k, mod.NAME, [], 0, 0, None, 0, "; ".join(reasons))
            continue
        labels = appl[0].labels
        P = np.array([r.p_values for r in appl], dtype=np.float64)  # (m, rows)
        m = P.shape[0]
        lo, hi = _proportion_band(m, alpha)
        rows = []
        for j, lab in enumerate(labels):
            col = P[:, j]
            n_pass = int(np.count_nonzero(col >= alpha))
            prop = n_pass / m
            unif, hist = uniformity_p(col)
            unif_used = unif if m >= MIN_SEQUENCES_UNIFORMITY else None
            if m == 1:
                ok = n_pass == 1
            else:
                ok = (lo * m <= n_pass <= hi * m) and (unif_used is None or unif_used >= UNIFORMITY_ALPHA)
            rows.append(RowSummary(k, lab, m, n_pass, prop, (lo, min(hi, 1.0)), unif_used, hist, ok))
        failed = sum(not r.passed for r in rows)
        allow = allowed_failures(len(rows), m, alpha)
        ok = failed <= allow
        if m == 1 and len(rows) > 1:
            # one sequence: also fail on any P-value below the Bonferroni level alpha / rows
            ok = ok and float(P.min()) >= alpha / len(rows)
        skipped = len(results) - m
        reason = f"{skipped} of {len(results)} sequences not applicable" if skipped else ""
        out[k] = TestVerdict(k, mod.NAME, rows, failed, allow, ok, m, reason)
    return out


def _worker(args: tuple[bytes, int, tuple[str, ...], dict[str, dict[str, Any]], bool]) -> dict[str, NistResult]:
    packed, n, keys, params, enforce = args
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8))[:n]
    return run_tests(bits, keys, params, enforce)


def run_battery(
    source: Any,
    config: BatteryConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatteryResult:
    """Run the battery on ``n_sequences`` sequences of ``n_bits`` drawn from ``source``.

    ``source`` is a :class:`~qtilab.rng.sources.BitSource` or one bit array (then
    ``n_sequences`` consecutive pieces of ``n_bits`` are cut from it). ``progress`` is called
    with the number of sequences finished.
    """
    cfg = config or BatteryConfig()
    cfg.check()
    keys = cfg.test_keys()
    if hasattr(source, "bits"):
        draw: Callable[[int], np.ndarray] = lambda i: source.bits(cfg.n_bits)  # noqa: E731
        name = getattr(source, "description", None) or getattr(source, "name", "source")
    else:
        arr = as_bits(source)
        if arr.size < cfg.n_bits * cfg.n_sequences:
            # never shorten silently: the verdict would be about other sequences than asked for
            raise ConfigError(
                f"{arr.size} bits cannot make {cfg.n_sequences} sequence(s) of {cfg.n_bits} bits; "
                f"lower n_bits (--bits) to at most {arr.size // cfg.n_sequences} or give more bits"
            )
        draw = lambda i: arr[i * cfg.n_bits : (i + 1) * cfg.n_bits]  # noqa: E731
        name = f"array of {arr.size} bits"
    t0 = time.perf_counter()
    results: list[dict[str, NistResult]] = []
    workers = min(cfg.workers, cfg.n_sequences, os.cpu_count() or 1)
    if workers <= 1:
        for i in range(cfg.n_sequences):
            results.append(run_tests(draw(i), keys, cfg.params, cfg.enforce_min_length))
            if progress:
                progress(i + 1)
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        def jobs() -> Any:
            for i in range(cfg.n_sequences):
                yield (np.packbits(draw(i)).tobytes(), cfg.n_bits, keys, cfg.params, cfg.enforce_min_length)

        # fork: workers inherit the loaded modules and need no __main__ guard in scripts
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(workers, mp_context=mp.get_context(method)) as ex:
            for i, r in enumerate(ex.map(_worker, jobs(), chunksize=1)):
                results.append(r)
                if progress:
                    progress(i + 1)
    verdicts = second_level(results, keys, cfg.alpha)
    return BatteryResult(cfg, str(name), results, verdicts, time.perf_counter() - t0)
