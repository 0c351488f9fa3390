"""
The PostgreSQL backend, which several nodes share: its schema and
statements, searching, and the store.
"""
