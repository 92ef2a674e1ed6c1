"""Counters of every channel, exposed by the API at /metrics in the Prometheus text format."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))


@dataclass
class Metrics:
    """Answers by channel, abstentions, answer latency histogram, HTTP requests by route and status."""

    requests: dict = field(default_factory=lambda: defaultdict(int))  # (route, status) -> count
    answers: dict = field(default_factory=lambda: defaultdict(int))  # channel -> count
    abstained: int = 0
    answer_seconds: float = 0.0
    buckets: dict = field(default_factory=lambda: {b: 0 for b in BUCKETS})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe_answer(self, seconds: float, abstained: bool, channel: str = "api") -> None:
        with self.lock:
            self.answers[channel] += 1
            self.abstained += abstained
            self.answer_seconds += seconds
            for bound in self.buckets:
                if seconds <= bound:
                    self.buckets[bound] += 1

    def observe_request(self, route: str, status: int) -> None:
        with self.lock:
            self.requests[(route, status)] += 1

    def prometheus(self, index_units: int) -> str:
        """The text exposition of every counter."""
        lines = ["# HELP hoidap_http_requests_total HTTP requests by route and status.",
                 "# TYPE hoidap_http_requests_total counter"]
        with self.lock:
            for (route, code), count in sorted(self.requests.items()):
                lines.append(f'hoidap_http_requests_total{{route="{route}",status="{code}"}} {count}')
            lines += ["# HELP hoidap_answers_total Answers by channel.", "# TYPE hoidap_answers_total counter"]
            for channel, count in sorted(self.answers.items()):
                lines.append(f'hoidap_answers_total{{channel="{channel}"}} {count}')
            lines += ["# HELP hoidap_answer_seconds Time to answer a question.", "# TYPE hoidap_answer_seconds histogram"]
            for bound, count in self.buckets.items():
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                lines.append(f'hoidap_answer_seconds_bucket{{le="{le}"}} {count}')
            lines += [f"hoidap_answer_seconds_sum {self.answer_seconds:.6f}",
                      f"hoidap_answer_seconds_count {sum(self.answers.values())}",
                      "# HELP hoidap_answers_abstained_total Questions the documents did not answer.",
                      "# TYPE hoidap_answers_abstained_total counter", f"hoidap_answers_abstained_total {self.abstained}"]
        lines += ["# HELP hoidap_index_units Units in the serving index.", "# TYPE hoidap_index_units gauge",
                  f"hoidap_index_units {index_units}"]
        return "\n".join(lines) + "\n"
