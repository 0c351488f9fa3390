"""
``--config FILE``: the options of ``twistd chat`` in a TOML file, and reading
it again while the server runs.

:mod:`~twisted_chat.config.reading` reads the file, and
:mod:`~twisted_chat.config.arguments` turns it into the command line it
stands for, so that every option (one added later too) is a key with no code
here, and every value passes the command line's own checks.
:mod:`~twisted_chat.config.changes` tells what differs between two sets of
options, :mod:`~twisted_chat.config.live` applies what can change while the
server runs, and :mod:`~twisted_chat.config.reloader` does it on ``SIGHUP``
and ``/reload``.
"""
