"""
Several nodes as one chat: PostgreSQL keeps what lasts and numbers each
room's lines, Redis carries what happens now (see README, "Running several
nodes").  Imported only by a node started with ``--cluster``.
"""
