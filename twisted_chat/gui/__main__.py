"""``python -m twisted_chat.gui``: the desktop client."""

from twisted_chat.gui.app import main

main()
