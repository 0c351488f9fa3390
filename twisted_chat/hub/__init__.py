"""
What happens once the chat has decided: order, store-then-deliver, fan-out,
replay and history.  The local hub serves one process; a hub that publishes
through Redis will stand beside it, behind the same interface.
"""
