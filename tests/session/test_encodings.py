"""
Sessions that never chose their encoding, a GBK console beside UTF-8 users:
what each reads, what is stored, and the name re-read when the encoding turns
out to be another.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.harness import Server, Transactions, only

WHY = "为什么".encode("gbk")  # Valid UTF-8 too: Ϊʲô.


class GbkConsoleTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = Server(db=Transactions())
        (self.alice,) = self.server.logins("alice")

    def gbk_user(self, name: str) -> object:
        client = self.server.connect()
        client.send(f"login {name}".encode("gbk"))
        client.clear()
        self.alice.clear()
        return client

    def test_chinese_valid_as_utf8_reaches_utf8_users_as_chinese(self) -> None:
        """`login li`, then 为什么: UTF-8 users read 为什么, and so does the history."""
        li = self.gbk_user("li")
        li.send(WHY)
        self.assertEqual(self.alice.lines(), ["<li> 为什么"])
        shown = li.received().decode("gbk")
        self.assertIn("Your text looks like GBK", shown)
        self.assertIn("<li> 为什么", shown)
        self.alice.send("/history")
        self.assertIn("<li> 为什么", "\n".join(self.alice.lines()))

    def test_a_name_that_is_valid_utf8_is_read_as_gbk(self) -> None:
        """`login 毛` (GBK c3 ab, UTF-8 ë): everyone reads 毛, the user too."""
        mao = self.server.connect()
        mao.clear()
        mao.send("login 毛".encode("gbk"))
        self.assertIn("*** You are 毛.", mao.received().decode("gbk"))
        self.assertEqual(self.alice.lines(), ["*** 毛 has logged in"])

    def test_a_name_read_in_utf8_is_reread_when_gbk_shows(self) -> None:
        """
        `login 猫` is as good as `login è`: read in UTF-8.  Once the lines show
        GBK, the name is read again, and the rename announced as /nick's.
        """
        cat = self.gbk_user("猫")
        self.assertEqual(cat.protocol.session.settings.encoding, "utf-8")
        cat.send(WHY)
        self.assertEqual(self.alice.lines(),
                         ["*** è is now known as 猫", "<猫> 为什么"])
        shown = cat.received().decode("gbk")
        self.assertIn("*** You are now known as 猫", shown)

    def test_the_name_is_reread_once_and_not_counted_as_a_rename(self) -> None:
        """
        A re-read is the server's doing: /nick still works at once under a
        limit of one rename; and lines that swing back are not a second rename.
        """
        server = Server(db=Transactions(), limits=only(nick_rate=1))
        (alice,) = server.logins("alice")
        cat = server.connect()
        cat.send("login 猫".encode("gbk"))
        cat.send(WHY)
        cat.send("Привет, как дела? Всё хорошо.")
        cat.send("naïve café, déjà vu, Zoë")
        said = alice.lines()
        self.assertEqual([line for line in said if "known as" in line],
                         ["*** è is now known as 猫"])
        cat.send("/nick tom")
        self.assertIn("*** 猫 is now known as tom", alice.lines())

    def test_a_reread_name_that_is_taken_is_kept(self) -> None:
        """The name re-read is someone else's: the user keeps the old one, and is told why."""
        self.server.login("猫")
        cat = self.gbk_user("猫")
        cat.send(WHY)
        shown = cat.received().decode("gbk")
        self.assertIn("it stays è", shown)
        self.assertIn("<è> 为什么", shown)
        self.assertEqual(self.alice.lines()[-1], "<è> 为什么")

    def test_one_stray_line_after_utf8_is_one_error(self) -> None:
        """Привет, then a line that is not UTF-8: one error, no switch; Привет still arrives."""
        bob = self.server.login("bob")
        bob.send("Привет")
        bob.clear()
        bob.send(b"oops \xc0\x80 stray")
        (error,) = bob.lines()
        self.assertTrue(error.startswith("! That line was not valid utf-8 and was ignored."))
        bob.send("Привет")
        self.assertEqual(self.alice.lines(), ["*** bob has logged in", "<bob> Привет",
                                              "<bob> Привет"])
        self.assertEqual(bob.protocol.session.settings.encoding, "utf-8")
