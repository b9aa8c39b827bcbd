"""The vocabulary as frozen dataclasses and enums, no I/O."""
