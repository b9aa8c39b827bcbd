"""What every report collector shares: the error a rejected input file raises (the run records it and goes on)."""

from __future__ import annotations


class ReportError(ValueError):
    """An input file that cannot be used; the message says what is wrong (the caller adds the file name)."""
