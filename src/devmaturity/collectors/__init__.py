"""Collectors: one module per source, each turning a source into evidence records and problems."""
