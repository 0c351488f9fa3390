"""
Take README.rst's screenshot of the desktop client: ``docs/chat-window.png``.

Starts Xvfb, a server, the client logged in as 小明 and two users over plain
sockets who chat with it, then grabs the window.  Needs Debian's ``xvfb``,
``x11-apps`` (xwd), ``xdotool``, ``imagemagick`` (convert) and a CJK font such as
``fonts-wqy-microhei``.  Run from a clone, in the project's venv::

    .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-noreset", "-nolisten", "tcp",
                             "-screen", "0", "1280x800x24"], pass_fds=(write,))
    os.close(write)
    number = b""
    while not number.endswith(b"\n"):
        number += os.read(read, 16)
    return xvfb, f":{number.decode().strip()}"


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    motd = workdir / "motd.txt"
    motd.write_text("Welcome to the tea house. Be kind; /help lists the commands.\n")
    log = workdir / "twistd.log"
    server = subprocess.Popen(
        [BIN / "twistd", "-n", "--pidfile=", "chat", "--port", "tcp:0:interface=127.0.0.1",
         "--main-topic", "Tea and talk", "--motd", str(motd)],
        cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(100):
        found = re.search(rb"ChatFactory starting on (\d+)", log.read_bytes())
        if found:
            return server, int(found.group(1))
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def user(port: int, name: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    say(sock, f"login {name}")
    return sock


def say(sock: socket.socket, line: str) -> None:
    sock.sendall(line.encode() + b"\r\n")
    time.sleep(0.3)


def main() -> None:
    xvfb, display = start_xvfb()
    with tempfile.TemporaryDirectory() as workdir:
        server, port = start_server(Path(workdir))
        env = {**os.environ, "DISPLAY": display}
        bob = user(port, "bob")
        gui = subprocess.Popen([sys.executable, "-m", "twisted_chat.gui",
                                "--server", f"localhost:{port}", "--name", "小明"], env=env)
        try:
            time.sleep(2)
            say(bob, "hello 小明! tea is ready")
            carol = user(port, "carol")
            say(carol, "/me pours the oolong")
            say(bob, "/msg 小明 carol made the good stuff today")
            say(carol, "小明, 你好! 欢迎")
            dave = user(port, "dave")
            say(dave, "/create 茶室")
            say(dave, "/topic 喝茶聊天")
            say(bob, "/me waves to dave")
            # 小明 types, as a person would: a click in the input line, keys, Enter.
            subprocess.run(["xdotool", "mousemove", "300", "579", "click", "1", "type",
                            "--delay", "30", "谢谢! see you both in 茶室 later"],
                           env=env, check=True)
            subprocess.run(["xdotool", "key", "Return"], env=env, check=True)
            time.sleep(1)
            shot = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                                  check=True, capture_output=True).stdout
            subprocess.run(["convert", "xwd:-", "-crop", "960x600+0+0", "+repage",
                            str(HERE / "chat-window.png")], input=shot, check=True)
            print(f"wrote {HERE / 'chat-window.png'}")
        finally:
            gui.terminate()
            gui.wait()
            server.terminate()
            server.wait()
            xvfb.terminate()


if __name__ == "__main__":
    main()
