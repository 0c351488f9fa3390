"""
What the server tells whoever runs it: Prometheus metrics at ``/metrics``,
``/healthz`` and ``/readyz`` on the ``--metrics`` listener.

The chat counts in plain ints as it goes (:mod:`~twisted_chat.metrics.counters`),
at the few places where something happens once: a line said, a broadcast, a
refusal, an error told.  A scrape reads them, and what is cheaper to count
then than to keep up to date (connections, users, queued output), on the
reactor thread (:mod:`~twisted_chat.metrics.collector`).
"""
