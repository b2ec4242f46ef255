"""Shared look of every salesim figure: backend, fonts, policy colours, number formats.

Each policy keeps one colour in every figure.  Colours come from the Okabe-Ito palette,
which stays distinguishable for the common forms of colour blindness, and are handed out in
the order the experiment lists its policies (the first, usually the reference, is black).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen: every figure goes to a file

import io  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.common.atomic import write_bytes_atomic  # noqa: E402

OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
             "#F0E442"]
SEASON_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
PEAK_SHADE = "#d9d9d9"
DPI = 110

RC = {
    "font.size": 11, "axes.titlesize": 12.5, "axes.labelsize": 11, "xtick.labelsize": 10,
    "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 13,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#e6e6e6", "grid.linewidth": 0.8, "axes.axisbelow": True,
    "savefig.facecolor": "white", "figure.facecolor": "white",
    "svg.hashsalt": "salesim", "svg.fonttype": "none",
}


def policy_colours(policies: list[str]) -> dict[str, str]:
    """One colour per policy, stable by the policies' order; cycles after eight policies."""
    return {p: OKABE_ITO[i % len(OKABE_ITO)] for i, p in enumerate(policies)}


def season_markers(seasons: list[str]) -> dict[str, str]:
    """One marker shape per seasonal scenario."""
    return {s: SEASON_MARKERS[i % len(SEASON_MARKERS)] for i, s in enumerate(seasons)}


def new_figure(width: float = 10.0, height: float = 5.2, nrows: int = 1, ncols: int = 1,
               **kw) -> tuple[Figure, object]:
    """A figure in the salesim style with a constrained layout (no overlapping labels)."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained",
                                 squeeze=False, **kw)
    return fig, axes


def styled(func):
    """Decorator: run a plotting function with the salesim rcParams in force."""
    def wrapper(*args, **kwargs):
        with plt.rc_context(RC):
            return func(*args, **kwargs)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def wrap_title(text: str, width: int = 95) -> str:
    """Break a long finding over lines so that it fits above the plot."""
    import math
    import textwrap
    if len(text) <= width:
        return text
    lines = math.ceil(len(text) / width)
    return "\n".join(textwrap.wrap(text, math.ceil(len(text) / lines) + 6))  # balanced


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with plt.rc_context(RC):
        fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def save_figure(fig: Figure, out_dir: Path, name: str) -> bytes:
    """Write NAME.png and NAME.svg atomically into out_dir; return the PNG bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = png_bytes(fig)
    write_bytes_atomic(out_dir / f"{name}.png", png)
    buf = io.BytesIO()
    with plt.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    write_bytes_atomic(out_dir / f"{name}.svg", buf.getvalue())
    plt.close(fig)
    return png


def fmt_money(x: float) -> str:
    """12345678 -> '12.3 M'; currency-neutral because the model is."""
    a = abs(x)
    nbsp = "\u00a0"  # keeps number and unit on one line when titles wrap
    if a >= 1e9:
        return f"{x / 1e9:.2f}{nbsp}bn"
    if a >= 1e6:
        return f"{x / 1e6:.1f}{nbsp}M"
    if a >= 1e3:
        return f"{x / 1e3:.0f}{nbsp}k"
    return f"{x:.0f}"


def fmt_signed(x: float, digits: int = 0) -> str:
    """A number with an explicit sign and a true minus sign: '+4', '\u22123.5'."""
    s = f"{x:+.{digits}f}"
    return s.replace("-", "\u2212")


def fmt_interval(lo: float, hi: float, digits: int = 0) -> str:
    """'\u221245\u2026\u221230' for a 95% interval."""
    return f"{fmt_signed(lo, digits)}\u2026{fmt_signed(hi, digits)}"


def pretty(name: str) -> str:
    """'team_bonus' -> 'Team bonus'; used for policy and season names in text."""
    return name.replace("_", " ").strip().capitalize() if name else name


def fmt_cash(x: float, currency: str, signed: bool = False) -> str:
    """'+1.2 M USD': money with its currency label (the period is said by the caller)."""
    if x != x:  # NaN
        return "n/a"
    text = fmt_money(x)
    if signed:
        text = ("+" if x > 0 else "\u2212" if x < 0 else "\u00b1") + text.lstrip("-")
    return f"{text}\u00a0{currency}"


def fmt_cash_interval(lo: float, hi: float, currency: str) -> str:
    """'\u22122.8 M\u2026\u22121.9 M USD' for a 95% interval of money."""
    return (f"{fmt_cash(lo, '', True).strip()}\u2026{fmt_cash(hi, '', True).strip()}"
            f"\u00a0{currency}")
