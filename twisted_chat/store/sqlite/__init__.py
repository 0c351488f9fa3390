"""The SQLite backend: its schema and statements, the store, and the search copy."""
