"""Scenario forecasting of Earth series: quantum reservoir and variational quantum regressor
against ARIMA, ETS and a classical echo-state network.

Series (shipped with statsmodels, nothing is downloaded):

* ``co2`` -- Mauna Loa atmospheric CO2, weekly, 1958-03 to 2001-12 (2284 weeks; the 59 weeks
  without a value are filled by linear interpolation, and the count is recorded);
* ``elnino`` -- El Nino (Nino 1+2 region) sea-surface temperature, monthly, 1950-2010 (732 months).

A CSV file with a date column and a value column works too (``load_series(path)``); dates
must be regular (no missing dates) and values finite.

Pipeline of the reservoir and variational models (all fitted on the training part only):

1. a deterministic part: polynomial trend (degree ``trend_degree``) plus ``harmonics``
   Fourier pairs of the seasonal period, by least squares;
2. the residual, divided by its training standard deviation, is cut into lagged windows of
   ``window`` values; each window is mapped to features and a *direct* multi-horizon readout
   predicts the next ``horizon`` residuals at once;
3. feature maps: :class:`QuantumReservoir` (a fixed random circuit on the state-vector engine,
   re-uploading the window one value per step; features ``<Z_i>`` and ``<Z_i Z_j>``),
   :class:`EchoStateNetwork` (a tanh reservoir with the same number of features), both with
   the same ridge readout; :class:`VariationalRegressor` (a data re-uploading circuit with a
   linear output layer, trained by Adam with exact adjoint gradients through
   :class:`qtilab.qml.torch.QuantumLayer`);
4. scenarios: the point forecast plus whole error paths drawn from a calibration block (the
   last ``calibration`` fraction of the training windows, predicted by a model fitted before
   it), so each scenario keeps the errors' correlation across horizons. Prediction intervals
   are quantiles of the scenarios; their empirical coverage is measured on the test windows.

Baselines: ARIMA with Fourier regressors (fixed orders, see :class:`ForecastConfig`), ETS
(additive Holt-Winters, intervals by simulation) and the seasonal naive forecast.

Evaluation: rolling origin, the last ``origins`` non-overlapping blocks of ``horizon``
values; RMSE, MASE (scaled by the training part's in-sample seasonal-naive error), interval
coverage and width, per origin, with mean and spread over origins.

Examples
--------
>>> from qtilab.eo.forecast import ForecastConfig, run_forecast
>>> res = run_forecast(ForecastConfig(series="elnino", horizon=12, origins=2,
...                                   models=("qrc", "arima")))          # doctest: +SKIP
>>> sorted(res.summary())                                               # doctest: +SKIP
['arima', 'qrc']
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.eo._threads import single_thread
from qtilab.errors import ConfigError, DataError

MODELS = ("qrc", "vqr", "esn", "arima", "ets", "snaive")
LABELS = {
    "qrc": "quantum reservoir (6 qubits)",
    "vqr": "variational quantum regressor",
    "esn": "echo-state network",
    "arima": "ARIMA + Fourier terms",
    "ets": "ETS (Holt-Winters)",
    "snaive": "seasonal naive",
}
QUANTUM = ("qrc", "vqr")


@dataclass(frozen=True)
class Series:
    """A regular univariate series: ``values`` (n,), ``dates`` (n,) datetime64, the seasonal
    ``period`` in steps, and notes on how it was prepared."""

    name: str
    values: np.ndarray
    dates: np.ndarray
    period: int
    freq: str
    notes: str = ""

    def __len__(self) -> int:
        return int(self.values.shape[0])


#: per-series defaults: period, trend degree, harmonics, ARIMA order and trend term
SERIES_DEFAULTS: dict[str, dict[str, Any]] = {
    "co2": {"period": 52, "trend_degree": 2, "harmonics": 3, "arima_order": (1, 1, 1), "arima_trend": "t",
            "horizon": 52},
    "elnino": {"period": 12, "trend_degree": 1, "harmonics": 2, "arima_order": (2, 0, 1), "arima_trend": "c",
               "horizon": 12},
}


def load_series(name: str) -> Series:
    """``co2``, ``elnino`` (from statsmodels' datasets) or the path of a CSV file with a header
    and two columns, date and value (the period is then guessed from the spacing: 52 for
    weekly, 12 for monthly, 7 for daily, 4 for quarterly, else 1)."""
    if name == "co2":
        sm = require("statsmodels.datasets", extra="eo")
        df = sm.co2.load_pandas().data
        vals = df["co2"].to_numpy(dtype=float)
        missing = int(np.isnan(vals).sum())
        idx = np.arange(vals.size)
        ok = ~np.isnan(vals)
        vals = np.interp(idx, idx[ok], vals[ok])
        return Series("co2", vals, df.index.to_numpy(), 52, "W",
                      f"Mauna Loa CO2 (ppm), weekly; {missing} missing weeks filled by linear interpolation")
    if name == "elnino":
        sm = require("statsmodels.datasets", extra="eo")
        df = sm.elnino.load_pandas().data
        vals = df.drop(columns="YEAR").to_numpy(dtype=float).reshape(-1)
        start = int(df["YEAR"].iloc[0])
        dates = np.arange(np.datetime64(f"{start}-01", "M"), np.datetime64(f"{start}-01", "M") + vals.size)
        return Series("elnino", vals, dates.astype("datetime64[D]"), 12, "M",
                      "El Nino sea-surface temperature (deg C), monthly")
    return read_series_csv(name)


def read_series_csv(path: str | os.PathLike[str]) -> Series:
    """A CSV series (header row, then ``date,value`` rows). Raises :class:`DataError` naming
    the file for missing dates (irregular spacing), unparsable dates or non-finite values."""
    pd = require("pandas", extra="eo")
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file (give co2, elnino or a CSV file with date,value columns)")
    try:
        df = pd.read_csv(p)
    except (ValueError, OSError) as exc:
        raise DataError(f"{p}: cannot read as CSV ({exc})") from None
    if df.shape[1] < 2 or len(df) < 3:
        raise DataError(f"{p}: needs a date column and a value column with at least 3 rows, got shape {df.shape}")
    try:
        dates = pd.to_datetime(df.iloc[:, 0])
    except (ValueError, TypeError) as exc:
        raise DataError(f"{p}: first column is not dates ({exc})") from None
    vals = pd.to_numeric(df.iloc[:, 1], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        raise DataError(f"{p}: {bad.size} missing or non-numeric values (first at row {bad[0] + 2}, date "
                        f"{dates.iloc[bad[0]].date()}); fill them before forecasting")
    if not dates.is_monotonic_increasing:
        raise DataError(f"{p}: dates are not in increasing order")
    d = dates.to_numpy().astype("datetime64[D]")
    days = np.diff(d).astype(int)
    typical = int(np.median(days))
    if 28 <= typical <= 31:  # monthly: consecutive calendar months
        months = d.astype("datetime64[M]").astype(int)
        steps, f, period = np.diff(months), "M", 12
    elif 89 <= typical <= 92:
        months = d.astype("datetime64[M]").astype(int)
        steps, f, period = np.diff(months) // 3 * (np.diff(months) % 3 == 0) + (np.diff(months) % 3 != 0) * 99, "Q", 4
    elif 365 <= typical <= 366:
        steps, f, period = np.diff(d.astype("datetime64[Y]").astype(int)), "Y", 1
    elif typical >= 1:
        steps, f = days // typical * (days % typical == 0) + (days % typical != 0) * 99, f"{typical}D"
        period = {1: 7, 7: 52}.get(typical, 1)
    else:
        raise DataError(f"{p}: repeated dates (two rows share a date)")
    bad_steps = np.flatnonzero(steps != 1)
    if bad_steps.size:
        g = int(bad_steps[0])
        raise DataError(f"{p}: missing dates: the spacing is irregular (one row per {f} expected, but "
                        f"{dates.iloc[g].date()} -> {dates.iloc[g + 1].date()}); give one row per period, "
                        "filling gaps by interpolation")
    return Series(p.stem, vals, dates.to_numpy(), period, f, f"read from {p}")


@dataclass(frozen=True)
class ForecastConfig:
    """Settings of :func:`run_forecast`.

    Parameters
    ----------
    series: ``co2``, ``elnino`` or a CSV path.
    horizon: steps ahead (None: 52 for co2, 12 for elnino, the period otherwise).
    origins: rolling origins (non-overlapping test blocks at the end of the series).
    models: among ``qrc vqr esn arima ets snaive``.
    window: lagged residual values seen by the reservoirs and the regressor.
    n_qubits: qubits of the quantum reservoir; the ESN gets as many units as the reservoir has
        features (n + n(n-1)/2).
    vqr_qubits, vqr_layers, vqr_epochs: the variational regressor.
    trend_degree, harmonics: the deterministic part (None: per-series defaults).
    arima_order: ARIMA (p, d, q) (None: per-series default, fixed before looking at any test block).
    level: nominal coverage of the prediction intervals.
    scenarios: trajectories per forecast.
    calibration: fraction of training windows held out to calibrate the scenarios.
    max_train: at most this many of the latest values train each origin (None: all).
    seed: the random reservoirs, initial weights and scenario draws.
    """

    series: str = "co2"
    horizon: int | None = None
    origins: int = 6
    models: tuple[str, ...] = MODELS
    window: int = 12
    n_qubits: int = 6
    vqr_qubits: int = 4
    vqr_layers: int = 2
    vqr_epochs: int = 15
    trend_degree: int | None = None
    harmonics: int | None = None
    arima_order: tuple[int, int, int] | None = None
    level: float = 0.9
    scenarios: int = 500
    calibration: float = 0.25
    max_train: int | None = None
    seed: int = 1

    def validate(self) -> None:
        unknown = [m for m in self.models if m not in MODELS]
        if unknown or not self.models:
            raise ConfigError(f"models {unknown or '()'}: choose among {list(MODELS)}")
        for name in ("origins", "window", "n_qubits", "vqr_qubits", "vqr_layers", "vqr_epochs", "scenarios"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be a positive integer, got {v!r}")
        if self.horizon is not None and self.horizon < 1:
            raise ConfigError(f"horizon must be >= 1, got {self.horizon}")
        if not 0.5 <= self.level < 1:
            raise ConfigError(f"level must be in [0.5, 1), got {self.level}")
        if not 0.05 <= self.calibration <= 0.5:
            raise ConfigError(f"calibration must be in [0.05, 0.5], got {self.calibration}")
        if self.n_qubits > 12:
            raise ConfigError(f"n_qubits={self.n_qubits}: at most 12 for a reservoir simulated per window")


# ---------------------------------------------------------------------------------------------
# deterministic part and windows
# ---------------------------------------------------------------------------------------------
def _design(t: np.ndarray, n_train: int, degree: int, harmonics: int, period: float) -> np.ndarray:
    s = t / max(n_train, 1)
    cols = [s ** d for d in range(degree + 1)]
    for k in range(1, harmonics + 1):
        cols += [np.sin(2 * np.pi * k * t / period), np.cos(2 * np.pi * k * t / period)]
    return np.stack(cols, axis=1)


@dataclass
class Deterministic:
    """Polynomial trend + Fourier seasonality, fitted by least squares."""

    degree: int
    harmonics: int
    period: float
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_train: int = 0

    def fit(self, y: np.ndarray) -> Deterministic:
        self.n_train = y.size
        X = _design(np.arange(y.size, dtype=float), y.size, self.degree, self.harmonics, self.period)
        self.coef = np.linalg.lstsq(X, y, rcond=None)[0]
        return self

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(_design(t.astype(float), self.n_train, self.degree, self.harmonics, self.period) @ self.coef)


def windows(r: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (M, window) and direct targets (M, horizon) of a series ``r``: input
    ``r[t-window+1 .. t]``, target ``r[t+1 .. t+horizon]``."""
    m = r.size - window - horizon + 1
    if m < 1:
        raise DataError(f"{r.size} values cannot make a window of {window} plus a horizon of {horizon}")
    idx = np.arange(m)[:, None]
    return r[idx + np.arange(window)], r[idx + window + np.arange(horizon)]


# ---------------------------------------------------------------------------------------------
# feature maps
# ---------------------------------------------------------------------------------------------
class QuantumReservoir:
    """A fixed random circuit that reads a window one value per step.

    Per step k: ``RY(a_i u_k + c_i)`` on every qubit i, then the fixed reservoir layer (random
    ``RX``, ``RZ`` on every qubit and a ring of CZ). After the window, the features are the
    ``<Z_i>`` and ``<Z_i Z_j>`` (n + n(n-1)/2 values). All windows are one batch on the engine
    (every angle is an array with one value per window). Qubit q is bit q of the state index.
    """

    def __init__(self, n_qubits: int = 6, input_scale: float = 0.8, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.n = n_qubits
        self.a = input_scale * rng.uniform(0.5, 1.5, n_qubits)
        self.c = rng.uniform(-np.pi / 4, np.pi / 4, n_qubits)
        self.rx = rng.uniform(0, 2 * np.pi, n_qubits)
        self.rz = rng.uniform(0, 2 * np.pi, n_qubits)

    @property
    def n_features(self) -> int:
        return self.n + self.n * (self.n - 1) // 2

    def features(self, W: np.ndarray) -> np.ndarray:
        from qtilab.core.circuit import Circuit
        from qtilab.sim.statevector import simulate

        W = np.clip(np.asarray(W, dtype=float), -3, 3)
        c = Circuit(self.n, name="quantum_reservoir")
        for k in range(W.shape[1]):
            for q in range(self.n):
                c.ry(np.ascontiguousarray(self.a[q] * W[:, k] + self.c[q]), q)
            for q in range(self.n):
                c.rx(float(self.rx[q]), q)
                c.rz(float(self.rz[q]), q)
            for q in range(self.n if self.n > 2 else self.n - 1):
                c.cz(q, (q + 1) % self.n)
        states = simulate(c).states.reshape(W.shape[0], -1)
        prob = np.abs(states) ** 2
        bits = (np.arange(2 ** self.n)[:, None] >> np.arange(self.n)) & 1
        z = prob @ (1 - 2 * bits).astype(float)  # <Z_i>
        feats = [z]
        for i in range(self.n):
            for j in range(i + 1, self.n):
                feats.append((prob @ ((1 - 2 * bits[:, i]) * (1 - 2 * bits[:, j])).astype(float))[:, None])
        return np.concatenate(feats, axis=1)


class EchoStateNetwork:
    """A classical reservoir: ``x_{k+1} = tanh(W x_k + w_in u_k + b)`` from ``x_0 = 0`` over
    the window; features: the final state. ``W`` is sparse random with spectral radius
    ``rho``."""

    def __init__(self, units: int = 21, rho: float = 0.9, input_scale: float = 0.8, density: float = 0.3,
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        W = rng.normal(size=(units, units)) * (rng.random((units, units)) < density)
        radius = float(np.max(np.abs(np.linalg.eigvals(W)))) or 1.0
        self.W = W * (rho / radius)
        self.w_in = input_scale * rng.uniform(-1, 1, units)
        self.b = rng.uniform(-0.2, 0.2, units)
        self.n_features = units

    def features(self, W: np.ndarray) -> np.ndarray:
        W = np.clip(np.asarray(W, dtype=float), -3, 3)
        x = np.zeros((W.shape[0], self.n_features))
        for k in range(W.shape[1]):
            x = np.tanh(x @ self.W.T + W[:, k:k + 1] * self.w_in + self.b)
        return x


class RidgeReadout:
    """Multi-output ridge regression on features plus a bias; ``alpha`` chosen on a held-out
    block of training windows (time order kept)."""

    ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)

    def __init__(self) -> None:
        self.alpha = 1.0
        self.coef = np.zeros(0)

    @staticmethod
    def _solve(F: np.ndarray, Y: np.ndarray, alpha: float) -> np.ndarray:
        X = np.hstack([F, np.ones((F.shape[0], 1))])
        reg = alpha * np.eye(X.shape[1])
        reg[-1, -1] = 0.0
        return np.asarray(np.linalg.solve(X.T @ X + reg, X.T @ Y))

    def predict(self, F: np.ndarray) -> np.ndarray:
        return np.asarray(np.hstack([F, np.ones((F.shape[0], 1))]) @ self.coef)

    def fit(self, F: np.ndarray, Y: np.ndarray, fit_end: int, split: int) -> np.ndarray:
        """Choose alpha on ``F[split:]`` with a fit on ``F[:fit_end]``, refit on all; returns the
        calibration errors (held-out truth minus prediction), shape (M - split, H)."""
        best, errs = math.inf, np.zeros((0, Y.shape[1]))
        for a in self.ALPHAS:
            coef = self._solve(F[:fit_end], Y[:fit_end], a)
            e = Y[split:] - np.hstack([F[split:], np.ones((F.shape[0] - split, 1))]) @ coef
            mse = float(np.mean(e ** 2))
            if mse < best:
                best, self.alpha, errs = mse, a, e
        self.coef = self._solve(F, Y, self.alpha)
        return errs


class VariationalRegressor:
    """A data re-uploading circuit over the window (``qtilab.qml.ansatz.reuploading_circuit``)
    whose ``<Z_i>`` feed a linear layer to the ``horizon`` outputs; trained with Adam on the
    mean squared error, gradients by the adjoint method."""

    def __init__(self, window: int, horizon: int, n_qubits: int = 4, layers: int = 2, epochs: int = 15,
                 batch_size: int = 64, lr: float = 0.03, seed: int = 0) -> None:
        self.window, self.horizon = window, horizon
        self.n_qubits, self.layers, self.epochs = n_qubits, layers, epochs
        self.batch_size, self.lr, self.seed = batch_size, lr, seed
        self.model: Any = None

    def fit(self, W: np.ndarray, Y: np.ndarray) -> VariationalRegressor:
        torch = require("torch", extra="ml")
        from qtilab.qml.ansatz import reuploading_circuit
        from qtilab.qml.torch import QuantumLayer

        torch.manual_seed(self.seed)
        circ, xs, _ = reuploading_circuit(self.n_qubits, self.window, self.layers, scale=0.5)
        init = np.random.default_rng(self.seed).uniform(-0.1, 0.1, circ.num_parameters - len(xs))
        qlayer = QuantumLayer(circ, inputs=xs, observables=[f"Z{q}" for q in range(self.n_qubits)], init=init)
        self.model = torch.nn.Sequential(qlayer, torch.nn.Linear(self.n_qubits, self.horizon)).double()
        x = torch.as_tensor(np.clip(W, -3, 3), dtype=torch.float64)
        y = torch.as_tensor(Y, dtype=torch.float64)
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        gen = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epochs):
            perm = torch.randperm(len(x), generator=gen)
            for s in range(0, len(x), self.batch_size):
                idx = perm[s:s + self.batch_size]
                loss = torch.mean((self.model(x[idx]) - y[idx]) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
        return self

    def predict(self, W: np.ndarray) -> np.ndarray:
        torch = require("torch", extra="ml")
        with torch.no_grad():
            out = self.model(torch.as_tensor(np.clip(W, -3, 3), dtype=torch.float64))
        return np.asarray(out.numpy())


# ---------------------------------------------------------------------------------------------
# one origin
# ---------------------------------------------------------------------------------------------
@dataclass
class Forecast:
    """One model's forecast at one origin: mean (H,), scenarios (S, H), interval bounds (H,)."""

    mean: np.ndarray
    scenarios: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def _from_scenarios(mean: np.ndarray, scen: np.ndarray, level: float) -> Forecast:
    a = (1 - level) / 2
    return Forecast(mean, scen, np.quantile(scen, a, axis=0), np.quantile(scen, 1 - a, axis=0))


def _residual_model(kind: str, y: np.ndarray, cfg: ForecastConfig, H: int, det: Deterministic,
                    rng: np.random.Generator) -> Forecast:
    t = np.arange(y.size)
    r = y - det(t)
    scale = float(np.std(r)) or 1.0
    u = r / scale
    Win, Yout = windows(u, cfg.window, H)
    split = int(round(len(Win) * (1 - cfg.calibration)))
    # the calibration block starts after the last target of the fitting block: no overlap
    fit_end = max(split - H, 1)
    last = u[-cfg.window:][None, :]
    if kind == "vqr":
        reg = VariationalRegressor(cfg.window, H, cfg.vqr_qubits, cfg.vqr_layers, cfg.vqr_epochs,
                                   seed=int(rng.integers(2**31)))
        reg.fit(Win[:fit_end], Yout[:fit_end])
        errs = Yout[split:] - reg.predict(Win[split:])
        pred = reg.predict(last)[0]
    else:
        fmap: Any = (QuantumReservoir(cfg.n_qubits, seed=cfg.seed) if kind == "qrc" else
                     EchoStateNetwork(QuantumReservoir(cfg.n_qubits).n_features, seed=cfg.seed))
        F = fmap.features(np.vstack([Win, last]))
        ridge = RidgeReadout()
        errs = ridge.fit(F[:-1], Yout, fit_end, split)
        pred = ridge.predict(F[-1:])[0]
    future = det(np.arange(y.size, y.size + H))
    mean = future + scale * pred
    draws = errs[rng.integers(0, len(errs), cfg.scenarios)]
    return _from_scenarios(mean, mean + scale * draws, cfg.level)


def _arima(y: np.ndarray, cfg: ForecastConfig, H: int, period: int, defaults: dict[str, Any]) -> Forecast:
    require("statsmodels", extra="eo")
    from statsmodels.tsa.arima.model import ARIMA

    order = cfg.arima_order or defaults["arima_order"]
    K = cfg.harmonics if cfg.harmonics is not None else defaults["harmonics"]
    t = np.arange(y.size + H, dtype=float)
    ex = _design(t, y.size, 0, K, period)[:, 1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ARIMA(y, exog=ex[:y.size], order=order, trend=defaults["arima_trend"]).fit()
        fc = fit.get_forecast(H, exog=ex[y.size:])
    mean = np.asarray(fc.predicted_mean)
    sd = np.sqrt(np.asarray(fc.var_pred_mean))
    rng = np.random.default_rng(cfg.seed)
    scen = mean + sd * rng.standard_normal((cfg.scenarios, H))  # marginal Gaussian scenarios
    from scipy.stats import norm

    zq = norm.ppf(0.5 + cfg.level / 2)
    return Forecast(mean, scen, mean - zq * sd, mean + zq * sd)


def _ets(y: np.ndarray, cfg: ForecastConfig, H: int, period: int) -> Forecast:
    require("statsmodels", extra="eo")
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=period).fit()
        mean = np.asarray(fit.forecast(H))
        scen = np.asarray(fit.simulate(H, repetitions=cfg.scenarios, error="add", anchor="end",
                                       random_state=cfg.seed)).T
    return _from_scenarios(mean, scen, cfg.level)


def _snaive(y: np.ndarray, cfg: ForecastConfig, H: int, period: int) -> Forecast:
    h = np.arange(1, H + 1)
    mean = y[y.size - period + (h - 1) % period] if y.size >= period else np.full(H, y[-1])
    # scenarios from the in-sample seasonal-naive errors at lag ceil(h/m)*m
    errs = [y[period * ((k - 1) // period + 1):] - y[:y.size - period * ((k - 1) // period + 1)] for k in h]
    rng = np.random.default_rng(cfg.seed)
    scen = np.stack([mean[i] + e[rng.integers(0, e.size, cfg.scenarios)] for i, e in enumerate(errs)], axis=1)
    return _from_scenarios(mean, scen, cfg.level)


def mase_scale(y: np.ndarray, period: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (lag ``period``)."""
    m = period if y.size > period else 1
    s = float(np.mean(np.abs(y[m:] - y[:-m])))
    if s == 0:
        raise DataError("the training series is constant at the seasonal lag; MASE is undefined")
    return s


# ---------------------------------------------------------------------------------------------
# the study
# ---------------------------------------------------------------------------------------------
@dataclass
class ForecastResult:
    """Scores per model and origin; the last origin's forecasts for the fan charts."""

    config: ForecastConfig
    series: Series
    horizon: int
    origins: list[int]
    #: model -> metric -> per-origin values (rmse, mase, coverage, width)
    scores: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    #: model -> list of Forecast per origin
    forecasts: dict[str, list[Forecast]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for m, sc in self.scores.items():
            row: dict[str, float] = {}
            for k, v in sc.items():
                a = np.asarray(v)
                row[f"{k}_mean"] = float(a.mean())
                row[f"{k}_std"] = float(a.std(ddof=1)) if a.size > 1 else 0.0
                row[f"{k}_median"] = float(np.median(a))
            out[m] = row
        return out

    def verdict(self) -> str:
        s = self.summary()
        parts = []
        for q in QUANTUM:
            if q in s and "arima" in s:
                parts.append(f"{q.upper()} MASE {s[q]['mase_mean']:.2f} +- {s[q]['mase_std']:.2f} vs ARIMA "
                             f"{s['arima']['mase_mean']:.2f} +- {s['arima']['mase_std']:.2f}")
        nominal = 100 * self.config.level
        cov = {q: 100 * s[q]["coverage_mean"] for q in QUANTUM if q in s}
        ok = [q for q, c in cov.items() if abs(c - nominal) <= 5]
        txt = "; ".join(parts) + ". " if parts else ""
        if cov:
            txt += (f"Interval coverage (nominal {nominal:.0f} %): "
                    + ", ".join(f"{q.upper()} {c:.1f} %" for q, c in cov.items())
                    + (f"; within 5 points for {', '.join(q.upper() for q in ok)}." if ok else
                       "; no quantum model within 5 points of nominal."))
        best = min(s, key=lambda m: s[m]["mase_mean"])
        txt += f" Lowest mean MASE: {LABELS[best]}."
        return txt

    def write_forecasts(self, path: str | os.PathLike[str]) -> Path:
        """All forecasts as CSV: origin, model, step, date, mean, lower, upper, truth."""
        p = Path(path)
        y, dates = self.series.values, self.series.dates
        with p.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["origin_date", "model", "step", "date", "mean", "lower", "upper", "truth"])
            for m, fcs in self.forecasts.items():
                for o, fc in zip(self.origins, fcs):
                    for h in range(self.horizon):
                        w.writerow([str(dates[o - 1])[:10], m, h + 1, str(dates[o + h])[:10], f"{fc.mean[h]:.6g}",
                                    f"{fc.lower[h]:.6g}", f"{fc.upper[h]:.6g}", f"{y[o + h]:.6g}"])
        return p

    def report(self) -> Any:
        from qtilab.report import Report

        cfg = self.config
        rep = Report(f"Scenario forecasting of {self.series.name}: quantum vs classical",
                     meta={**{k: v for k, v in asdict(cfg).items() if v is not None}, "horizon": self.horizon})
        rep.add_text("Verdict", self.verdict())
        rep.add_text("Data", f"{self.series.notes}; {len(self.series)} values, seasonal period {self.series.period}; "
                     f"{len(self.origins)} rolling origins, horizon {self.horizon}.")
        s = self.summary()
        rows = [[LABELS[m], v["rmse_mean"], v["rmse_std"], v["mase_mean"], v["mase_std"], v["mase_median"],
                 100 * v["coverage_mean"], 100 * v["coverage_std"], v["width_mean"], self.seconds.get(m, 0.0)]
                for m, v in s.items()]
        rep.add_table("Scores over rolling origins", ["model", "RMSE mean", "RMSE std", "MASE mean", "MASE std",
                      "MASE median", f"coverage {100 * cfg.level:.0f}% (%)", "coverage std", "width mean",
                      "seconds"], rows,
                      note="Mean and standard deviation over origins; coverage: share of test values inside the "
                           "prediction interval.")
        self._fan(rep)
        rep.data.update(summary=s, scores=self.scores, origins=[str(self.series.dates[o])[:10] for o in self.origins],
                        seconds=self.seconds)
        return rep

    def _fan(self, rep: Any) -> None:
        models = [m for m in self.forecasts if m != "snaive"]
        fig = rep.new_figure("fan_charts", "Scenario fans at the last origin: 5-95 % and 25-75 % bands of "
                             "the scenarios, mean forecast, truth (black)", figsize=(10, 2.2 * ((len(models) + 1) // 2)))
        y, o, H = self.series.values, self.origins[-1], self.horizon
        back = min(o, 3 * H)
        for i, m in enumerate(models):
            ax = fig.add_subplot((len(models) + 1) // 2, 2, i + 1)
            fc = self.forecasts[m][-1]
            th = np.arange(o - back, o + H)
            tf = np.arange(o, o + H)
            ax.plot(th, y[o - back:o + H], color="black", lw=0.8)
            q = np.quantile(fc.scenarios, [0.05, 0.25, 0.75, 0.95], axis=0)
            ax.fill_between(tf, q[0], q[3], alpha=0.25, color="C0")
            ax.fill_between(tf, q[1], q[2], alpha=0.4, color="C0")
            ax.plot(tf, fc.mean, color="C3", lw=1)
            ax.set_title(LABELS[m], fontsize=8)
            ax.tick_params(labelsize=6)


def run_forecast(config: ForecastConfig = ForecastConfig(), *, progress: bool = True) -> ForecastResult:
    """Rolling-origin evaluation of the selected models; see the module docstring."""
    config.validate()
    series = load_series(config.series)
    defaults = SERIES_DEFAULTS.get(series.name, {"period": series.period, "trend_degree": 1, "harmonics": 2,
                                                 "arima_order": (1, 1, 1), "arima_trend": "t",
                                                 "horizon": series.period})
    H = config.horizon or defaults["horizon"]
    period = series.period
    y = series.values
    min_train = max(2 * period, config.window + 2 * H) + int(math.ceil(
        (config.window + H) / config.calibration))
    need = min_train + config.origins * H
    if y.size < need:
        raise DataError(f"series {series.name!r} has {y.size} values; horizon {H} with {config.origins} origins "
                        f"needs at least {need} ({min_train} to train + {config.origins} x {H} to test). "
                        "Use a shorter horizon or fewer origins")
    origins = [y.size - (config.origins - k) * H for k in range(config.origins)]
    degree = config.trend_degree if config.trend_degree is not None else defaults["trend_degree"]
    K = config.harmonics if config.harmonics is not None else defaults["harmonics"]
    res = ForecastResult(config, series, H, origins)
    from tqdm.auto import tqdm

    steps = [(o, m) for o in origins for m in config.models]
    bar = tqdm(steps, desc=f"eo forecast ({series.name})", disable=not progress or not sys.stderr.isatty(),
               file=sys.stderr)
    with single_thread():
        for o, m in bar:
            lo = 0 if config.max_train is None else max(0, o - config.max_train)
            ytr, ytest = y[lo:o], y[o:o + H]
            rng = np.random.default_rng([config.seed, o, MODELS.index(m)])
            t0 = time.perf_counter()
            if m in ("qrc", "vqr", "esn"):
                det = Deterministic(degree, K, float(period)).fit(ytr)
                fc = _residual_model(m, ytr, config, H, det, rng)
            elif m == "arima":
                fc = _arima(ytr, config, H, period, defaults)
            elif m == "ets":
                fc = _ets(ytr, config, H, period)
            else:
                fc = _snaive(ytr, config, H, period)
            res.seconds[m] = res.seconds.get(m, 0.0) + time.perf_counter() - t0
            err = ytest - fc.mean
            sc = res.scores.setdefault(m, {"rmse": [], "mase": [], "coverage": [], "width": []})
            sc["rmse"].append(float(np.sqrt(np.mean(err ** 2))))
            sc["mase"].append(float(np.mean(np.abs(err)) / mase_scale(ytr, period)))
            sc["coverage"].append(float(np.mean((ytest >= fc.lower) & (ytest <= fc.upper))))
            sc["width"].append(float(np.mean(fc.upper - fc.lower)))
            res.forecasts.setdefault(m, []).append(fc)
    return res


def config_from_dict(values: dict[str, Any]) -> ForecastConfig:
    """A :class:`ForecastConfig` from a mapping; unknown keys are named."""
    known = set(ForecastConfig.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown settings {unknown}; known: {sorted(known)}")
    vals = dict(values)
    if vals.get("models") is not None:
        vals["models"] = tuple(vals["models"])
    if vals.get("arima_order") is not None:
        vals["arima_order"] = tuple(vals["arima_order"])
    return ForecastConfig(**vals)


__all__ = [
    "Deterministic",
    "EchoStateNetwork",
    "Forecast",
    "ForecastConfig",
    "ForecastResult",
    "QuantumReservoir",
    "RidgeReadout",
    "Series",
    "VariationalRegressor",
    "config_from_dict",
    "load_series",
    "mase_scale",
    "read_series_csv",
    "run_forecast",
    "windows",
]
