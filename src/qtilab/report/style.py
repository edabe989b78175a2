"""The shared plotting style of every qtilab figure.

- a colour-blind-safe palette (Okabe and Ito's eight colours, as recommended by Wong, Nature
  Methods 8, 441 (2011)), with line styles for a second cue;
- readable sizes, a light grid, no top/right spines;
- :func:`finish` runs on every figure when a report is written: it moves a legend that covers
  data points outside the axes, puts integer ticks on an axis whose plotted data are all
  integers, and switches an axis to a log scale when its positive data span more than three
  decades;
- helpers for the figures that studies share: :func:`plot_rejection` (ROC curves as background
  rejection against signal efficiency, log scale), :func:`scan_errorbar` (scans with explained
  error bars), :func:`error_band`.

matplotlib is imported only inside these functions (the ``plot`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

#: Okabe-Ito palette (blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
LINESTYLES = ("-", "--", "-.", ":")

#: rcParams of the qtilab style
RC: dict[str, Any] = {
    "font.size": 10.5,
    "axes.titlesize": 11,
    "axes.labelsize": 10.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "errorbar.capsize": 3,
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "image.cmap": "viridis",
}


def rc_context() -> AbstractContextManager[Any]:
    """A matplotlib ``rc_context`` with the qtilab style (palette as the colour cycle)."""
    import matplotlib as mpl
    from cycler import cycler

    rc = dict(RC)
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    return mpl.rc_context(rc)  # type: ignore[arg-type]


def new_figure(figsize: tuple[float, float] = (6.4, 4.4)) -> Any:
    """A figure in the qtilab style, drawn by Agg; its axes (``gca``, ``add_subplot``,
    ``subplots``) are created with the qtilab palette, grid and spines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class StyledFigure(Figure):  # type: ignore[misc]
        def add_subplot(self, *args: Any, **kwargs: Any) -> Any:
            with rc_context():
                return super().add_subplot(*args, **kwargs)

        def add_axes(self, *args: Any, **kwargs: Any) -> Any:
            with rc_context():
                return super().add_axes(*args, **kwargs)

    with rc_context():
        fig = StyledFigure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _line_data(ax: Any) -> tuple[list[Any], list[Any]]:
    xs, ys = [], []
    for ln in ax.get_lines():
        if not ln.get_visible() or ln.get_label().startswith("_"):
            # helper lines (axhline, diagonal references) do not decide the axis scale
            if not ln.get_visible():
                continue
        x = np.asarray(ln.get_xdata(), dtype=float)
        y = np.asarray(ln.get_ydata(), dtype=float)
        if x.size > 2 and y.size > 2:
            xs.append(x)
            ys.append(y)
    return xs, ys


def _all_integer(arrs: list[Any]) -> bool:
    vals = np.concatenate([a[np.isfinite(a)] for a in arrs]) if arrs else np.array([])
    return bool(vals.size) and bool(np.all(vals == np.round(vals)))


def _wide_positive(arrs: list[Any]) -> bool:
    vals = np.concatenate([a[np.isfinite(a)] for a in arrs]) if arrs else np.array([])
    return bool(vals.size) and bool(np.all(vals > 0)) and float(vals.max() / vals.min()) > 1e3


def _legend_covers_data(ax: Any, renderer: Any) -> bool:
    leg = ax.get_legend()
    if leg is None:
        return False
    box = leg.get_window_extent(renderer)
    for ln in ax.get_lines():
        xy = np.column_stack([np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)])
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if not xy.size:
            continue
        d = ln.get_transform().transform(xy)
        if np.any((d[:, 0] >= box.x0) & (d[:, 0] <= box.x1) & (d[:, 1] >= box.y0) & (d[:, 1] <= box.y1)):
            return True
    for coll in ax.collections:
        try:
            offs = coll.get_offset_transform().transform(coll.get_offsets())
        except (AttributeError, ValueError):
            continue
        if len(offs) and np.any((offs[:, 0] >= box.x0) & (offs[:, 0] <= box.x1)
                                & (offs[:, 1] >= box.y0) & (offs[:, 1] <= box.y1)):
            return True
    return False


def finish(fig: Any) -> dict[str, list[str]]:
    """Apply the automatic rules of the style to a finished figure; return what was changed.

    The rules (each listed in the returned dict, keyed by axes index):
    integer ticks on an axis whose line data are all integers; a log scale on an axis whose
    positive line data span more than three decades (only when the study left it linear and no
    value is <= 0); a legend that covers a data point moved outside the axes, below them.
    """
    from matplotlib.ticker import MaxNLocator

    changes: dict[str, list[str]] = {}
    axes = [ax for ax in fig.get_axes() if ax.get_visible()]
    for i, ax in enumerate(axes):
        done: list[str] = []
        # sizes that matplotlib reads when a label is set, i.e. after the figure was made
        ax.xaxis.label.set_fontsize(RC["axes.labelsize"])
        ax.yaxis.label.set_fontsize(RC["axes.labelsize"])
        xs, ys = _line_data(ax)
        if xs and ax.get_xscale() == "linear" and _all_integer(xs) and len(np.unique(np.concatenate(xs))) <= 30:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            done.append("integer x ticks")
        if ys and ax.get_yscale() == "linear" and _wide_positive(ys):
            ax.set_yscale("log")
            done.append("log y")
        if done:
            changes[str(i)] = done
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
    except (AttributeError, RuntimeError):  # pragma: no cover - a backend without a renderer
        return changes
    for i, ax in enumerate(axes):
        if _legend_covers_data(ax, renderer):
            leg = ax.get_legend()
            handles, labels = ax.get_legend_handles_labels()
            title = leg.get_title().get_text() if leg is not None else ""
            # below the axes: the plot keeps its width (labels are often long)
            ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), borderaxespad=0.0,
                      ncol=2 if len(labels) > 2 else 1, title=title or None)
            changes.setdefault(str(i), []).append("legend moved below the axes")
    return changes


# -- shared figure types ------------------------------------------------------------------------
def plot_rejection(ax: Any, efficiency: Sequence[float] | Any, fpr: Sequence[float] | Any, label: str,
                   **kw: Any) -> Any:
    """One ROC curve as background rejection 1/ε_B against signal efficiency ε_S (log y).

    ``efficiency`` is the true-positive rate, ``fpr`` the false-positive rate at the same
    thresholds; points with ``fpr == 0`` (infinite rejection) are left out.
    """
    eff = np.asarray(efficiency, dtype=float)
    f = np.asarray(fpr, dtype=float)
    ok = f > 0
    (line,) = ax.plot(eff[ok], 1.0 / f[ok], label=label, **kw)
    ax.set_yscale("log")
    ax.set_xlabel(r"signal efficiency $\varepsilon_\mathrm{S}$ (true-positive rate)")
    ax.set_ylabel(r"background rejection $1/\varepsilon_\mathrm{B}$ (1 / false-positive rate)")
    ax.set_xlim(0, 1)
    return line


def plot_random_rejection(ax: Any, n: int = 200) -> Any:
    """The rejection of a random guess, 1/ε_B = 1/ε_S, as a grey dotted reference."""
    e = np.linspace(0.01, 1.0, n)
    (line,) = ax.plot(e, 1.0 / e, ":", color="grey", label="random guess")
    return line


def scan_errorbar(ax: Any, x: Sequence[float], mean: Sequence[float], err: Sequence[float], label: str,
                  *, integer_x: bool = True, **kw: Any) -> Any:
    """A scan with error bars (integer x ticks by default); say in the caption what the bars are."""
    from matplotlib.ticker import MaxNLocator

    h = ax.errorbar(x, mean, yerr=err, marker="o", capsize=3, label=label, **kw)
    if integer_x and ax.get_xscale() == "linear":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return h


def error_band(ax: Any, x: Sequence[float], y: Sequence[float], lo: Sequence[float], hi: Sequence[float],
               label: str, **kw: Any) -> Any:
    """A line with a shaded band between ``lo`` and ``hi`` in the same colour."""
    (line,) = ax.plot(x, y, label=label, **kw)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    return line
