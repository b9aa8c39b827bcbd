"""Maturity models as versioned data files, and the loader that validates them."""
