"""The plugin's own tables (in the engine's database, under the plugin's Alembic branch
``cinder``, never mixed into the engine's lineage)."""

from pathlib import Path

VERSIONS_DIR = Path(__file__).resolve().parent / "versions"
BRANCH = "cinder"
