"""
After a plain (not editable) install, ``twistd`` finds the ``chat`` plugin.

The package is installed into a fresh directory, and twistd is run with that
directory and Twisted's own site-packages on its path but without site
processing, so neither the source tree nor an editable install can stand in
for what a wheel really ships.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import twisted

ROOT = Path(__file__).resolve().parent.parent


def test_twistd_lists_chat_after_plain_install(tmp_path: Path) -> None:
    # A clean copy: a stale build/ in the work tree would hide a packaging mistake.
    source = tmp_path / "source"
    for name in ["setup.cfg", "pyproject.toml", "README.rst"]:
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for package in ["twisted_chat", "twisted"]:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "dropin.cache"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(source)],
        check=True, capture_output=True, timeout=300)
    assert not (target / "twisted" / "plugins" / "__init__.py").exists()
    # The desktop client ships too, with its command.
    assert (target / "twisted_chat" / "gui" / "app.py").exists()
    assert "twisted_chat.gui.app" in (target / "bin" / "twisted-chat-gui").read_text()
    twisted_site = str(Path(twisted.__file__).parent.parent)
    stdlib_dynload = sysconfig.get_path("platstdlib")
    path = [str(target), twisted_site, stdlib_dynload]
    script = (
        f"import sys; sys.path[:0] = {path!r}; sys.argv = ['twistd', '--help'];"
        "from twisted.scripts.twistd import run; run()"
    )
    result = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert "chat" in result.stdout.split("Commands:")[1], result.stdout + result.stderr
    assert "A multi-user text chat server" in result.stdout
    # The chat's own options: every module the service is made of ships (a package
    # left out of setup.cfg works from a clone, and not from a wheel).
    chat_help = subprocess.run(
        [sys.executable, "-S", "-c", script.replace("'--help'", "'chat', '--help'")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "--config" in chat_help.stdout, chat_help.stdout + chat_help.stderr
    # The server's words in each language, and the page's.
    for locale in ("zh_CN", "zh_TW"):
        for domain in ("twisted_chat", "clients"):
            assert (target / "twisted_chat" / "locale" / locale / "LC_MESSAGES"
                    / f"{domain}.po").exists()

