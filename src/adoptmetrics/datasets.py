"""Synthetic SaaS data and the bundled demo data (being built)."""

from __future__ import annotations

__all__: list[str] = []
