from __future__ import annotations

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark as an app only for its `bench_data` command (no models, no URLs in RTR)."""

    name = "bench"
    label = "bench"
