"""Why a login did not happen, in the window's language; the server's own words as they came."""

from __future__ import annotations

from twisted.internet import error as neterror
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.gui.client import LoginFailed, _not_connected, check_name, parse_address
from twisted_chat.gui.words import Words
from twisted_chat.i18n import catalogs
from twisted_chat.i18n.languages import SIMPLIFIED, TRADITIONAL


class WordedTests(SynchronousTestCase):
    def test_the_clients_sentences_in_each_language(self) -> None:
        for language in (SIMPLIFIED, TRADITIONAL):
            words = Words(language)
            clients = catalogs.translations(language.locale, catalogs.CLIENTS)
            with self.subTest(language=language.code):
                with self.assertRaises(LoginFailed) as raised:
                    check_name("  ")
                self.assertEqual(raised.exception.message, "Type a name to log in with.")
                self.assertEqual(raised.exception.worded(words),
                                 clients.gettext("Type a name to log in with."))
                self.assertNotEqual(raised.exception.worded(words), raised.exception.message)
                with self.assertRaises(LoginFailed) as bad:
                    parse_address("host:notaport")
                self.assertIn("host:notaport", bad.exception.worded(words))
                self.assertNotIn("is not a server address", bad.exception.worded(words))

    def test_values_filled_in(self) -> None:
        failed = _not_connected(Failure(neterror.ConnectionRefusedError()), "a:6666", 5.0).value
        assert isinstance(failed, LoginFailed)
        self.assertEqual(failed.message, "Could not connect to a:6666: connection refused. "
                                         "Is the server running?")
        self.assertIn("a:6666", failed.worded(Words(SIMPLIFIED)))
        self.assertNotIn("connection refused", failed.worded(Words(SIMPLIFIED)))

    def test_the_servers_words_as_they_came(self) -> None:
        """A refusal the server worded ({braces} and all) is shown untouched."""
        failed = LoginFailed.said("名字 {x} 已被占用", "name-taken")
        self.assertEqual(failed.worded(Words(TRADITIONAL)), "名字 {x} 已被占用")
        self.assertEqual(failed.code, "name-taken")
