"""Forecasting: series loading and bad input, windows and MASE by hand, the quantum reservoir
against an explicit Kronecker-product simulation, a smoke run of the rolling-origin study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("statsmodels")
pytest.importorskip("torch")

from qtilab.eo import forecast as F  # noqa: E402
from qtilab.errors import ConfigError, DataError  # noqa: E402


def test_shipped_series() -> None:
    co2 = F.load_series("co2")
    assert len(co2) == 2284 and co2.period == 52 and np.all(np.isfinite(co2.values))
    assert "59 missing weeks" in co2.notes
    assert str(co2.dates[0])[:10] == "1958-03-29"
    assert 310 < co2.values[0] < 320 and 365 < co2.values[-1] < 375  # ppm, 1958 and 2001
    nino = F.load_series("elnino")
    assert len(nino) == 732 and nino.period == 12
    assert nino.values[0] == pytest.approx(23.11) and str(nino.dates[0])[:7] == "1950-01"


def test_csv_bad_input_names_the_file(tmp_path: Path) -> None:
    dates = np.arange(np.datetime64("2000-01"), np.datetime64("2004-01")).astype("datetime64[D]")
    vals = np.sin(np.arange(dates.size))
    good = tmp_path / "good.csv"
    good.write_text("date,value\n" + "".join(f"{d},{v}\n" for d, v in zip(dates, vals)))
    s = F.load_series(str(good))
    assert len(s) == 48 and s.period == 12
    gap = tmp_path / "gap.csv"
    gap.write_text("date,value\n" + "".join(f"{d},{v}\n" for i, (d, v) in enumerate(zip(dates, vals)) if i != 20))
    with pytest.raises(DataError, match=r"gap\.csv: missing dates.*2001-08-01 -> 2001-10-01"):
        F.load_series(str(gap))
    nan = tmp_path / "nan.csv"
    nan.write_text("date,value\n" + "".join(f"{d},{'' if i == 5 else v}\n" for i, (d, v) in enumerate(zip(dates, vals))))
    with pytest.raises(DataError, match=r"nan\.csv: 1 missing or non-numeric values \(first at row 7"):
        F.load_series(str(nan))
    with pytest.raises(DataError, match="needs at least"):
        F.run_forecast(F.ForecastConfig(series=str(good), horizon=12, origins=2, models=("snaive",)))
    with pytest.raises(DataError, match="no such file"):
        F.load_series(str(tmp_path / "none.csv"))
    with pytest.raises(ConfigError, match="choose among"):
        F.ForecastConfig(models=("lstm",)).validate()


def test_windows_and_mase_by_hand() -> None:
    r = np.arange(10.0)
    X, Y = F.windows(r, 3, 2)
    assert X.shape == (6, 3) and Y.shape == (6, 2)
    assert list(X[0]) == [0, 1, 2] and list(Y[0]) == [3, 4] and list(Y[-1]) == [8, 9]
    y = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 9.0])
    # seasonal naive at lag 2: |4-1|, |3-2|, |5-4|, |9-3| -> mean 11/4
    assert F.mase_scale(y, 2) == pytest.approx(11 / 4)
    with pytest.raises(DataError):
        F.windows(r, 8, 3)


def test_seasonal_naive_is_exact_on_a_periodic_series() -> None:
    y = np.tile([1.0, 3.0, 2.0, 5.0], 10)
    cfg = F.ForecastConfig(horizon=6, scenarios=50)
    fc = F._snaive(y, cfg, 6, 4)
    np.testing.assert_allclose(fc.mean, [1, 3, 2, 5, 1, 3])


def _ry(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)


def _rx(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _rz(t: float) -> np.ndarray:
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def test_quantum_reservoir_matches_kronecker_reference() -> None:
    qr = F.QuantumReservoir(n_qubits=2, seed=4)
    W = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, -0.5]])
    got = qr.features(W)
    cz = np.diag([1, 1, 1, -1]).astype(complex)
    Z, I2 = np.diag([1.0, -1.0]), np.eye(2)
    for b in range(2):
        psi = np.zeros(4, complex)
        psi[0] = 1
        for u in W[b]:
            angles = qr.a * u + qr.c
            psi = np.kron(_ry(angles[1]), _ry(angles[0])) @ psi  # qubit q = bit q: kron(q1, q0)
            u0 = _rz(qr.rz[0]) @ _rx(qr.rx[0])
            u1 = _rz(qr.rz[1]) @ _rx(qr.rx[1])
            psi = cz @ (np.kron(u1, u0) @ psi)
        ev = [np.real(psi.conj() @ O @ psi) for O in (np.kron(I2, Z), np.kron(Z, I2), np.kron(Z, Z))]
        np.testing.assert_allclose(got[b], ev, atol=1e-12)
    assert qr.n_features == 3


def test_ridge_readout_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    B = rng.normal(size=(5, 3))
    Y = X @ B + 0.5
    ridge = F.RidgeReadout()
    errs = ridge.fit(X, Y, 140, 150)
    assert errs.shape == (50, 3) and np.max(np.abs(errs)) < 1e-2
    np.testing.assert_allclose(ridge.predict(X[:3]), Y[:3], atol=1e-2)


def test_forecast_smoke(tmp_path: Path) -> None:
    cfg = F.ForecastConfig(series="elnino", horizon=6, origins=2, models=("qrc", "esn", "snaive"), n_qubits=3,
                           window=4, scenarios=100)
    res = F.run_forecast(cfg, progress=False)
    s = res.summary()
    assert set(s) == {"qrc", "esn", "snaive"}
    for v in s.values():
        assert np.isfinite(v["rmse_mean"]) and 0 <= v["coverage_mean"] <= 1
    # the last origin's test block ends with the series
    assert res.origins[-1] + 6 == len(res.series)
    # scores recomputed by hand from the stored forecast
    fc = res.forecasts["qrc"][-1]
    y = res.series.values
    truth = y[res.origins[-1]:]
    assert res.scores["qrc"]["rmse"][-1] == pytest.approx(np.sqrt(np.mean((truth - fc.mean) ** 2)))
    assert res.scores["qrc"]["mase"][-1] == pytest.approx(
        np.mean(np.abs(truth - fc.mean)) / np.mean(np.abs(y[12:res.origins[-1]] - y[:res.origins[-1] - 12])))
    assert fc.scenarios.shape == (100, 6) and np.all(fc.lower <= fc.upper)
    paths = res.report().write(tmp_path)
    assert paths["fan_charts"].exists()
    csv = res.write_forecasts(tmp_path / "f.csv").read_text().splitlines()
    assert len(csv) == 1 + 3 * 2 * 6


def test_variational_regressor_fits_a_sine() -> None:
    from qtilab.eo._threads import single_thread

    t = np.arange(300)
    u = np.sin(2 * np.pi * t / 12)
    X, Y = F.windows(u, 4, 2)
    with single_thread():
        reg = F.VariationalRegressor(4, 2, n_qubits=2, layers=2, epochs=20, lr=0.05, seed=0).fit(X, Y)
    mse = float(np.mean((reg.predict(X) - Y) ** 2))
    assert mse < 0.25 * float(np.var(Y))  # explains > 75 % of the variance (0.87 measured)


@pytest.mark.slow
def test_quantum_reservoir_beats_seasonal_naive_on_el_nino() -> None:
    res = F.run_forecast(F.ForecastConfig(series="elnino", horizon=12, origins=4, models=("qrc", "snaive")),
                         progress=False)
    s = res.summary()
    assert s["qrc"]["mase_mean"] < s["snaive"]["mase_mean"]
