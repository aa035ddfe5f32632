"""The control plane: users, catalogue, grants, audit and run records in a relational database.

SQLite by default (a file in the workspace), PostgreSQL in production. The schema is owned by
Alembic migrations in ``migrations/``; ``upgrade`` brings any database to the newest revision.
"""

from yishu.controlplane.database import connect, current_revision, head_revision, upgrade

__all__ = ["connect", "current_revision", "head_revision", "upgrade"]
