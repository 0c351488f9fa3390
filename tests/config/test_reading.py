"""A config file read, or one line that names the file and, for a syntax error, where."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.config import directory
from twisted_chat.config.reading import ConfigError, read


class ReadTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.path = directory(self) / "chat.toml"

    def write(self, text: str | bytes) -> str:
        if isinstance(text, str):
            text = text.encode()
        self.path.write_bytes(text)
        return str(self.path)

    def refused(self, text: str | bytes) -> str:
        path = self.write(text)
        with self.assertRaises(ConfigError) as caught:
            read(path)
        return str(caught.exception).replace(path, "chat.toml")

    def test_a_table(self) -> None:
        self.assertEqual(read(self.write('max-per-ip = 5\nport = ["tcp:6666"]\n')),
                         {"max-per-ip": 5, "port": ["tcp:6666"]})

    def test_a_syntax_error_says_where(self) -> None:
        """tomllib's "(at line 2, column 10)" comes first, as the file's line and column."""
        self.assertEqual(self.refused("replay = 5\nmax-per-ip = = 3\n"),
                         "chat.toml: line 2, column 14: Invalid value")

    def test_a_key_twice(self) -> None:
        self.assertEqual(self.refused("replay = 5\nreplay = 6\n"),
                         "chat.toml: line 2, column 11: Cannot overwrite a value")

    def test_a_missing_file(self) -> None:
        with self.assertRaises(ConfigError) as caught:
            read(str(self.path))
        self.assertEqual(str(caught.exception),
                         f"{self.path}: cannot read it: No such file or directory")

    def test_not_utf8(self) -> None:
        self.assertEqual(self.refused(b'main-topic = "caf\xe9"\n'), "chat.toml: not UTF-8 text")
