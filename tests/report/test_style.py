"""The shared plot style: palette, automatic rules of finish(), the ROC as rejection."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_hex

from qtilab.report import Report
from qtilab.report.style import finish, plot_rejection, scan_errorbar

# Okabe & Ito's colour-blind-safe palette, as published (Wong, Nature Methods 8, 441, 2011)
OKABE_ITO = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000"]


def test_figures_use_the_colour_blind_safe_palette() -> None:
    rep = Report("x")
    fig = rep.new_figure("a")
    ax = fig.gca()
    lines = [ax.plot([0, 1], [i, i + 1])[0] for i in range(3)]
    assert [to_hex(ln.get_color()) for ln in lines] == OKABE_ITO[:3]
    # axes made later (subplots) get the palette too
    fig2 = rep.new_figure("b")
    a1, a2 = fig2.subplots(1, 2)
    assert to_hex(a2.plot([0, 1])[0].get_color()) == OKABE_ITO[0]


def test_finish_integer_ticks_and_log_scale() -> None:
    rep = Report("x")
    fig = rep.new_figure("a")
    ax = fig.gca()
    ax.plot([2, 4, 6, 8], [0.5, 0.6, 0.7, 0.8])
    fig2 = rep.new_figure("b")
    bx = fig2.gca()
    bx.plot([1, 2, 3, 4], [1e-6, 1e-4, 1e-2, 1.0])
    fig3 = rep.new_figure("c")
    cx = fig3.gca()
    cx.plot([1, 2, 3, 4], [-1e-6, 1e-4, 1e-2, 1.0])  # a value <= 0: stays linear
    finish(fig)
    finish(fig2)
    finish(fig3)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert bx.get_yscale() == "log" and cx.get_yscale() == "linear"


def test_finish_moves_a_legend_off_the_data() -> None:
    rep = Report("x")
    fig = rep.new_figure("a")
    ax = fig.gca()
    x = np.linspace(0, 1, 200)
    ax.plot(x, 0.5 + 0 * x, label="flat line through the middle")
    ax.legend(loc="center")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()

    def covered() -> bool:
        box = ax.get_legend().get_window_extent(r)
        pts = ax.transData.transform(np.column_stack([x, 0.5 + 0 * x]))
        return bool(np.any((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)))

    assert covered()
    changes = finish(fig)
    fig.canvas.draw()
    assert not covered() and "legend moved below the axes" in changes["0"]


def test_rejection_curve_from_sklearn_roc() -> None:
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(0)
    y = np.r_[np.ones(500), np.zeros(500)]
    s = np.r_[rng.normal(1, 1, 500), rng.normal(0, 1, 500)]
    fpr, tpr, _ = roc_curve(y, s)
    rep = Report("x")
    ax = rep.new_figure("roc").gca()
    line = plot_rejection(ax, tpr, fpr, label="gauss")
    ok = fpr > 0
    np.testing.assert_allclose(line.get_xdata(), tpr[ok])
    np.testing.assert_allclose(line.get_ydata(), 1 / fpr[ok])
    assert ax.get_yscale() == "log" and "rejection" in ax.get_ylabel() and "efficiency" in ax.get_xlabel()


def test_scan_errorbar_has_integer_ticks() -> None:
    rep = Report("x")
    fig = rep.new_figure("scan")
    ax = fig.gca()
    scan_errorbar(ax, [2, 3, 5], [0.7, 0.75, 0.8], [0.01, 0.02, 0.01], label="QSVM")
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    assert all(float(t).is_integer() for t in ax.get_xticks() if lo <= t <= hi)
