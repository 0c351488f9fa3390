"""
The desktop client: a Tk window on the Twisted reactor.

It reaches the server on the same port as telnet users and reads JSON events.
``client.py`` is the connection, ``servers.py`` which server to reach and
when to come back, ``session.py`` the chat's logic, ``present.py`` how events
read, ``history.py`` the input history: none of them needs a display.
``windows.py`` holds the Tk windows, ``app.py`` the program.
"""
