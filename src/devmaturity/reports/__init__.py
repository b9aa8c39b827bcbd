"""Reporters: one module per output format (terminal, JSON, Markdown, HTML), zh and en, and a safe file writer."""
