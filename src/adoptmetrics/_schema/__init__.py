"""The boundary: column checks, dtype and time-zone coercion, clear errors.

Everything that reads a user's table goes through here first; the analytics
below it can trust canonical columns and dtypes.
"""

from __future__ import annotations

from adoptmetrics._schema._validate import SchemaError

__all__ = ["SchemaError"]
