"""Counters of every channel, exposed by the API at /metrics in the Prometheus text format.

Kept by prometheus_client. With several API workers (``hoidap serve --workers N``) it runs in its
multiprocess mode: ``hoidap serve`` empties a directory and names it in ``PROMETHEUS_MULTIPROC_DIR``
before the workers start, each worker's counters live in memory-mapped files there, and /metrics,
whichever worker answers it, adds up every worker's.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest, multiprocess

disable_created_metrics()  # no *_created samples: the same exposition with one worker as with several

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))


class Metrics:
    """Answers by channel, abstentions, answer latency histogram, HTTP requests by route and status.

    Args:
        multiprocess_dir: the ``PROMETHEUS_MULTIPROC_DIR`` the workers share (None: one process).

    Example:
        >>> m = Metrics()
        >>> m.observe_answer(0.2, abstained=False, channel="api")
        >>> 'hoidap_answers_total{channel="api"} 1.0' in m.prometheus(index_units=3)
        True
    """

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.requests = Counter("hoidap_http_requests", "HTTP requests by route and status.", ["route", "status"],
                                registry=self.registry)
        self.answers = Counter("hoidap_answers", "Answers by channel.", ["channel"], registry=self.registry)
        self.seconds = Histogram("hoidap_answer_seconds", "Time to answer a question.", buckets=BUCKETS,
                                 registry=self.registry)
        self.abstained = Counter("hoidap_answers_abstained", "Questions the documents did not answer.",
                                 registry=self.registry)

    def observe_answer(self, seconds: float, abstained: bool, channel: str = "api") -> None:
        self.answers.labels(channel=channel).inc()
        self.seconds.observe(seconds)
        if abstained:
            self.abstained.inc()

    def observe_request(self, route: str, status: int) -> None:
        self.requests.labels(route=route, status=str(status)).inc()

    def prometheus(self, index_units: int) -> str:
        """The text exposition of every counter (of every worker), and the serving index's size."""
        if self.multiprocess_dir is not None:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=str(self.multiprocess_dir))
        else:
            registry = self.registry
        # this process's view of CURRENT; every worker switches to a new version within half a second
        return generate_latest(registry).decode("utf-8") + (
            "# HELP hoidap_index_units Units in the serving index.\n# TYPE hoidap_index_units gauge\n"
            f"hoidap_index_units {index_units}\n")
