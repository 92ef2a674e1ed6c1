"""The evaluation report: a Markdown file and PNG plots in a chosen folder."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from eval.robust import STYLES_KEY, markdown as styles_markdown  # noqa: E402
from eval.shapes import SHAPES_KEY, markdown as shapes_markdown  # noqa: E402

METRICS = ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10", "macro_f2", "abstain_precision",
           "abstain_recall", "answerable_abstained", "answer_fact_rate", "latency_p50_ms", "latency_p95_ms"]


def public(report: dict) -> dict:
    """The metrics only: ``{mode: {metric: value}}``."""
    return {mode: {k: round(v, 4) for k, v in values.items()}
            for mode, values in report.items() if not mode.startswith("_")}


TRUST = "trust (held-out)"
TARGETS = {"abstained_answerable": "≤ 0.02", "abstained_oos_dev": "≥ 0.95", "abstained_dev_oos": "≥ 0.95",
           "abstained_alqac": "≥ 0.98", "answer_fact_rate": "≥ 0.95", "recall@1": "≥ 0.90", "direct_coverage": "≥ 0.90",
           "direct_verbatim": "1.00"}


def write_report(report: dict, folder: Path, title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    metrics = public(report)
    trust = metrics.pop(TRUST, None)
    metrics.pop(STYLES_KEY, None)
    metrics.pop(SHAPES_KEY, None)
    modes = list(metrics)
    lines = [f"# {title}", "", f"_{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}_", "",
             "| metric | " + " | ".join(modes) + " |", "|---|" + "---|" * len(modes)]
    for name in METRICS:
        if any(name in metrics[m] for m in modes):
            cells = [f"{metrics[m][name]:.3f}" if name in metrics[m] else "" for m in modes]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for key in ("_missing_evidence", "_fact_failures"):
        if report.get(key):
            lines += ["", f"{key.strip('_').replace('_', ' ')}: {', '.join(report[key])}"]
    if trust:
        lines += ["", f"## {TRUST}", "", "| figure | value | target |", "|---|---|---|"]
        lines += [f"| {name} | {value:.3f} | {TARGETS.get(name, '')} |" for name, value in trust.items()]
        counts = report.get("_trust", {}).get("counts", {})
        lines += ["", "questions per group: " + ", ".join(f"{g} {n}" for g, n in sorted(counts.items()))]
        if report["_trust"].get("curve"):
            _curve(report["_trust"]["curve"], folder / "abstention_curve.png")
            lines += ["", "![abstention precision and recall over thresholds](abstention_curve.png)"]
    if report.get(STYLES_KEY):
        lines += ["", *styles_markdown(report[STYLES_KEY], report.get("_styles", []))]
    if report.get(SHAPES_KEY):
        lines += ["", *shapes_markdown(report[SHAPES_KEY], report.get("_shapes", []))]
    lines += ["", "![recall@k](recall_at_k.png)", ""]
    ks = [1, 3, 5, 10]
    fig, ax = plt.subplots(figsize=(6, 4))
    for mode in modes:
        ax.plot(ks, [metrics[mode].get(f"recall@{k}", 0) for k in ks], marker="o", label=mode)
    ax.set_xlabel("k")
    ax.set_ylabel("Recall@k")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ks)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(folder / "recall_at_k.png", dpi=110)
    plt.close(fig)
    runs = report.get("_runs", {})
    if runs:
        fig, ax = plt.subplots(figsize=(6, 4))
        for mode, run in runs.items():
            ax.hist(run.latency_ms, bins=30, alpha=0.5, label=mode)
        ax.set_xlabel("latency per question (ms)")
        ax.set_ylabel("questions")
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / "latency_hist.png", dpi=110)
        plt.close(fig)
        lines += ["![latency](latency_hist.png)", ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _curve(curve: list, path: Path) -> None:
    """Precision and recall of abstaining (out of scope = positive) as the threshold moves."""
    import numpy as np

    from eval.trust import abstention_curve

    points = abstention_curve(curve, np.linspace(0, 1, 101))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([p[0] for p in points], [p[1] for p in points], label="precision")
    ax.plot([p[0] for p in points], [p[2] for p in points], label="recall")
    ax.set_xlabel("threshold on P(answerable)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Abstention on held-out and oos_dev questions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
