"""All SQL: tables, migrations, repositories and idempotent upserts; SQLite by default, PostgreSQL in production."""
