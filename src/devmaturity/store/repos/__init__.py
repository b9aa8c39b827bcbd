"""Repositories of the platform tables; each function works in the caller's transaction (a Connection)."""
