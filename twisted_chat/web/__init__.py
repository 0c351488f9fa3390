"""The browser front end: the page, and its WebSocket into the same chat."""
