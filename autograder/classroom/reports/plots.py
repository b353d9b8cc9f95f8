"""Plots for the class report, rendered by matplotlib as inline SVG (no files, no URLs)."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from markupsafe import Markup


def _svg(fig: plt.Figure) -> Markup:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "report"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # Scale with the page: drop the fixed size, keep the viewBox.
    text = re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="plot"', text, count=1
    )
    return Markup(text)


def score_histogram(totals: list[float], max_total: float = 100.0) -> Markup:
    """Histogram of the submissions' totals, bins of 5 % of ``max_total``."""
    top = max_total if max_total > 0 else 100.0
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    bins = [top * i / 20 for i in range(21)]
    clipped = [min(max(t, 0.0), top) for t in totals]
    ax.hist(clipped, bins=bins, color="#3b6ea8", edgecolor="white", linewidth=0.8)
    ax.set_xlim(0, top)
    ax.set_xlabel("total score")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig)
