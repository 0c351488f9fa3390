"""
The chat's rules: what a line means, who may do what, and what everyone is told.

Nothing here imports ``twisted.internet``, a front end or a storage backend
(``tests/test_layers.py`` reads the imports to prove it): it decides, and
hands what it decided to the hub (:class:`~twisted_chat.interfaces.IHub`).
"""
