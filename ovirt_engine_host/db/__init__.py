"""The engine's database: typed SQLAlchemy 2.0 models and Alembic migrations (the engine's
own lineage; every plugin brings its own branch)."""
