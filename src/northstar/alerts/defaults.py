"""The alert rules Northstar ships enabled, from the specification (seeds 000 and 004): K-factor
below 1.0 (warning) and below its 1.5 target (info), MRR growth below 10 % month over month,
monthly churn above 5 %, uptime below 99.9 %, error rate above 0.1 % (critical, seed 004), API
p95 above 2 s (warning) and 5 s (critical), page load above 2 s.

Each is a set of flat rule fields (:mod:`northstar.alerts.fields`) under a stable key; the
service installs each key once per store, so a default the user deleted stays deleted.
Performance rules read the last 7 days, the others 30; notifications go to the in-app bell.
"""

from __future__ import annotations

from typing import Any

_IN_APP = ["in_app"]


def _rule(name: str, metric: str, comparison: str, value: str, severity: str, timeframe: str = "30d") -> dict[str, Any]:
    return {"name": name, "metric_name": metric, "alert_type": "threshold", "comparison": comparison,
            "threshold_value": value, "severity": severity, "timeframe": timeframe,
            "notification_channels": _IN_APP}


DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "k_factor_below_1": _rule("K-factor below 1.0 (not viral)", "k_factor", "<", "1.0", "warning"),
    "k_factor_below_target": _rule("K-factor below its 1.5 target", "k_factor", "<", "1.5", "info"),
    "mrr_growth_below_10pct": _rule("MRR growth below 10 % month over month", "mrr_growth_rate", "<", "0.10",
                                    "warning"),
    "monthly_churn_above_5pct": _rule("Monthly churn above 5 %", "monthly_churn_rate", ">", "0.05", "warning"),
    "uptime_below_999": _rule("Uptime below 99.9 %", "uptime_percentage", "<", "0.999", "warning", "7d"),
    "error_rate_above_01pct": _rule("Error rate above 0.1 %", "error_rate", ">", "0.001", "critical", "7d"),
    "api_p95_above_2s": _rule("API p95 response time above 2 s", "p95_api_response_time_ms", ">", "2000",
                              "warning", "7d"),
    "api_p95_above_5s": _rule("API p95 response time above 5 s", "p95_api_response_time_ms", ">", "5000",
                              "critical", "7d"),
    "page_load_above_2s": _rule("Page load above 2 s", "avg_page_load_time_ms", ">", "2000", "warning", "7d"),
}
