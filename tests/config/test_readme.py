"""
README.rst's example config file, exactly as printed: valid, every option in
it (set, or commented out where a value needs more than the file), each set
one at its default, and every port on loopback.
"""

from __future__ import annotations

import os
import re
import textwrap
import tomllib
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from tests.config import directory
from twisted_chat.config.arguments import from_file, kinds
from twisted_chat.tap import Options

README = Path(__file__).resolve().parents[2] / "README.rst"
#: A key commented out: ``# motd = "motd.txt"``.
COMMENTED = re.compile(r"^# ?([a-z][a-z0-9-]*) = (.+)$", re.MULTILINE)


def example() -> str:
    """The literal block of README's "Configuration file" that is the example file."""
    section = README.read_text().split("\nConfiguration file\n", 1)[1]
    block = section.split("\n\n    # chat.toml:", 1)[1]
    lines = ["    # chat.toml:" + block.split("\n", 1)[0]]
    for line in block.split("\n")[1:]:
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip() + "\n"


class ExampleTests(SynchronousTestCase):
    def setUp(self) -> None:
        here = directory(self)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(here)
        self.text = example()
        Path("chat.toml").write_text(self.text)

    def test_the_block_found(self) -> None:
        self.assertTrue(self.text.startswith("# chat.toml: twistd -n chat --config chat.toml\n"))
        self.assertIn("\ncrowd = 100\n", self.text)

    def test_it_starts_a_server(self) -> None:
        """twistd chat --config chat.toml accepts it as it is."""
        options = Options()
        options.parseOptions(["--config", "chat.toml"])
        self.assertEqual(options["max-per-ip"], 20)

    def test_every_option(self) -> None:
        """Each option is a key of it, set or commented out: an option added later must join."""
        keys = set(tomllib.loads(self.text)) | set(dict(COMMENTED.findall(self.text)))
        self.assertEqual(keys, set(kinds(Options())))

    def test_the_commented_out_ones_are_right_too(self) -> None:
        """Uncommented, each key's value is of its option's type and passes it."""
        commented = dict(COMMENTED.findall(self.text))
        self.assertEqual(sorted(commented), ["cluster", "metrics", "motd", "node"])
        Path("chat.toml").write_text(COMMENTED.sub(r"\1 = \2", self.text))
        _, source = from_file(Options(), ["--config", "chat.toml"])
        assert source is not None
        self.assertEqual(set(source.words) & set(commented), set(commented))

    def test_the_defaults(self) -> None:
        """Each value set is the option's default: the file changes nothing but the ports."""
        read, default = Options(), Options()
        read.parseOptions(["--config", "chat.toml"])
        default.parseOptions([])
        for key in set(tomllib.loads(self.text)) - {"port", "web"}:
            with self.subTest(key=key):
                self.assertEqual(read[key], default[key])

    def test_on_loopback(self) -> None:
        table = tomllib.loads(self.text)
        for listener in table["port"] + table["web"]:
            self.assertIn(":interface=127.0.0.1", listener)
