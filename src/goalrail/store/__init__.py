"""Storage backends behind ``goalrail.runtime.ports.Store``: in-memory here,
SQLite/PostgreSQL (SQLAlchemy) beside it.  Backend errors are translated to
``goalrail.errors.StoreError`` at this boundary.

May import errors, policies, engine, config and runtime.ports.
"""
