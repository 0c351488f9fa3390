"""
What every front end shares: the state in charge, flood control, timeouts,
settings, the send queue, closing with grace; admission and shutdown.
"""
