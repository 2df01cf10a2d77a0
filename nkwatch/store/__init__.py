"""Store: one database (SQLite by default, PostgreSQL for a team) behind open_store(); models, migrations, search."""
