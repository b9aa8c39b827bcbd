"""Use cases the CLI and the web both call: ingest, assess, report, gate; they own I/O and transactions."""
