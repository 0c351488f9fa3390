"""
What was typed before, for the input line's Up and Down keys.

As in a shell: Up walks back through earlier lines, Down forward again, and
walking past the newest brings back the line being typed when Up was first
pressed.  Sending a line starts the walk again from the end.
"""

from __future__ import annotations

#: Lines remembered; the oldest go first.
SIZE = 200


class History:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.lines: list[str] = []
        self._at = 0
        self._draft = ""

    def add(self, line: str) -> None:
        """``line`` was sent: remember it (once, if sent twice in a row)."""
        if line and (not self.lines or self.lines[-1] != line):
            self.lines.append(line)
            del self.lines[:-self.size]
        self._at = len(self.lines)
        self._draft = ""

    def previous(self, current: str) -> str:
        """Up: the line before; ``current`` is what the input holds now."""
        if self._at == len(self.lines):
            self._draft = current
        if self._at > 0:
            self._at -= 1
        return self.lines[self._at] if self.lines else current

    def next(self, current: str) -> str:
        """Down: the line after, or the draft past the newest."""
        if self._at >= len(self.lines):
            return current
        self._at += 1
        return self.lines[self._at] if self._at < len(self.lines) else self._draft
