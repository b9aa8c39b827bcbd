"""devmaturity: evidence-based DevOps maturity assessment (CAICT DevOps Capability Maturity Model, DORA)."""

__version__ = "0.1.0"
