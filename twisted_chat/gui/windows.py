"""
The two windows, in Tk: logging in, and the chat.

Both are frames in the one root window; the application swaps them.  They
hold widgets and nothing else: the login window hands what was typed to a
callback, and the chat window passes every action to its
:class:`~twisted_chat.gui.session.Session` and shows what the session tells
it (it is the session's :class:`~twisted_chat.gui.session.IChatView`).

Their labels are msgids (:class:`~twisted_chat.gui.words.Words`), kept with
the widget each labels, so that :meth:`relabel` words them all again when the
language changes; what the log already shows stays as it was said.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable, Mapping, Sequence
from tkinter import ttk
from typing import TypeVar

from zope.interface import implementer

from twisted_chat.core.events import RoomEntry
from twisted_chat.gui.history import History
from twisted_chat.gui.present import Row
from twisted_chat.gui.servers import IReturnView
from twisted_chat.gui.session import IChatView, Session
from twisted_chat.gui.words import Words
from twisted_chat.i18n import N_

#: Lines the log keeps; older ones go, so a long session stays quick to draw.
MAX_LOG_LINES = 5000

#: How each style of row looks: Tk text tag options.
STYLES: dict[str, dict[str, str]] = {
    "stamp": {"foreground": "#8a8a8a"},
    "chat": {},
    "emote": {"foreground": "#8e24aa"},
    "private": {"foreground": "#1b7a3a"},
    "notice": {"foreground": "#6b6b6b"},
    "presence": {"foreground": "#6b6b6b"},
    "listing": {"foreground": "#0b6e79"},
    "history": {"foreground": "#5f6b7a"},
    "error": {"foreground": "#c62828"},
    "moderation": {"foreground": "#8d4a00"},
    "sanction": {"foreground": "#b71c1c"},
    "wall": {"foreground": "#0d3c8c"},
    "own": {"foreground": "#1565c0"},
    "mention": {"background": "#fff3b0"},
}

#: The styles no one should miss: a band across the whole row (time included), in bold.
BANDS: dict[str, str] = {
    "sanction": "#fde2e2",
    "wall": "#e1ecfb",
}


#: The server's refusals about the password, which name its field in telnet's words
#: (``login NAME PASSWORD``): the login window's own words for them, about its
#: Password field (None: the server's words do).
PASSWORD_REFUSALS: dict[str, str | None] = {
    "password-required": N_("The name '{name}' is registered: type its password in the "
                            "Password field, then press Login."),
    "not-registered": N_("The name '{name}' is not registered: leave the Password field empty."),
    "wrong-password": None,
}


W = TypeVar("W", bound=tk.Misc)


class Labels:
    """Widgets and the msgid each shows, worded again in the language of the moment."""

    def __init__(self, words: Words) -> None:
        self.words = words
        self._labelled: list[tuple[tk.Misc, str]] = []

    def __call__(self, widget: W, message: str) -> W:
        """Label ``widget`` with ``message`` now and at each :meth:`relabel`; ``widget``."""
        self._labelled.append((widget, message))
        widget.configure(text=self.words._(message))  # type: ignore[call-arg]
        return widget

    def relabel(self) -> None:
        for widget, message in self._labelled:
            widget.configure(text=self.words._(message))  # type: ignore[call-arg]


class LoginWindow(ttk.Frame):
    """
    Server address (or several, comma-separated), name, password (for a
    registered name), Login; what went wrong; and whether the connection is
    encrypted (``security``).
    """

    def __init__(self, master: tk.Misc, address: str, name: str,
                 on_login: Callable[[str, str, str], object], security: str = "",
                 words: Words | None = None) -> None:
        super().__init__(master, padding=16)
        self.words = Words() if words is None else words
        label = self.labels = Labels(self.words)
        self.on_login = on_login
        self.address = tk.StringVar(self, address)
        self.name = tk.StringVar(self, name)
        label(ttk.Label(self), N_("Server")).grid(row=0, column=0, sticky="w", padx=(0, 8),
                                                  pady=4)
        self.address_entry = ttk.Entry(self, textvariable=self.address, width=32)
        self.address_entry.grid(row=0, column=1, sticky="ew", pady=4)
        label(ttk.Label(self, foreground="#6b6b6b"), N_("One or more, comma-separated.")).grid(
            row=1, column=1, sticky="w")
        label(ttk.Label(self), N_("Name")).grid(row=2, column=0, sticky="w", padx=(0, 8), pady=4)
        self.name_entry = ttk.Entry(self, textvariable=self.name, width=32)
        self.name_entry.grid(row=2, column=1, sticky="ew", pady=4)
        label(ttk.Label(self), N_("Password")).grid(row=3, column=0, sticky="w", padx=(0, 8),
                                                    pady=4)
        self.password = tk.StringVar(self)
        self.password_entry = ttk.Entry(self, textvariable=self.password, width=32, show="•")
        self.password_entry.grid(row=3, column=1, sticky="ew", pady=4)
        label(ttk.Label(self, foreground="#6b6b6b"), N_("Only for a registered name.")).grid(
            row=4, column=1, sticky="w")
        self.security = ttk.Label(self, text=security, foreground="#6b6b6b", wraplength=320,
                                  justify="left")
        self.security.grid(row=5, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.message = ttk.Label(self, foreground="#c62828", wraplength=320, justify="left")
        self.message.grid(row=6, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.button = label(ttk.Button(self, command=self.submit), N_("Login"))
        self.button.grid(row=7, column=1, sticky="e", pady=(8, 0))
        self.columnconfigure(1, weight=1)
        for entry in (self.address_entry, self.name_entry, self.password_entry):
            entry.bind("<Return>", self.submit)
            entry.bind("<KP_Enter>", self.submit)

    def relabel(self, security: str) -> None:
        """Every label in the language of the moment; ``security`` in it too."""
        self.labels.relabel()
        self.security.configure(text=security)

    def focus(self) -> None:
        (self.name_entry if self.address.get() else self.address_entry).focus_set()

    def submit(self, event: object = None) -> None:
        if str(self.button["state"]) != "disabled":
            self.on_login(self.address.get().strip(), self.name.get().strip(), self.password.get())

    def busy(self, text: str) -> None:
        """A login is under way: say so, and take no second one."""
        self.message.configure(text=text, foreground="#444444")
        self.button.state(["disabled"])

    def failed(self, text: str, code: str = "") -> None:
        """
        The login failed: say why (the server's error ``code`` if it gave one),
        and put the cursor where the user can correct it: the Password field
        if that was what was wrong, else the name.
        """
        entry = self.name_entry
        if code in PASSWORD_REFUSALS:
            entry = self.password_entry
            own = PASSWORD_REFUSALS[code]
            text = text if own is None else self.words.format(own, name=self.name.get().strip())
        self.message.configure(text=text, foreground="#c62828")
        self.button.state(["!disabled"])
        entry.focus_set()
        entry.select_range(0, "end")


@implementer(IChatView, IReturnView)
class ChatWindow(ttk.Frame):
    """The log, the input line, the members and rooms, and the buttons."""

    def __init__(self, master: tk.Misc, on_reconnect: Callable[[], object],
                 onClose: Callable[[], object], words: Words | None = None,
                 on_language: Callable[[], object] = lambda: None) -> None:
        super().__init__(master, padding=6)
        self.words = Words() if words is None else words
        label = self.labels = Labels(self.words)
        #: Told when the session changed the language (the application re-labels the rest).
        self.on_language = on_language
        self.session = Session(self, words=self.words)
        self._members_shown: tuple[list[str], dict[str, str], str, int] = ([], {}, "", 0)
        self.history = History()
        self.on_reconnect = on_reconnect
        self.member_names: list[str] = []
        self.room_names: list[str] = []

        self.topic = ttk.Label(self, anchor="w")
        self.topic.pack(side="top", fill="x", pady=(0, 4))

        bottom = ttk.Frame(self)
        bottom.pack(side="bottom", fill="x", pady=(4, 0))
        self.input = tk.StringVar(self)
        self.entry = ttk.Entry(bottom, textvariable=self.input)
        self.entry.pack(side="left", fill="x", expand=True)
        self.send_button = label(ttk.Button(bottom, command=self.send_input), N_("Send"))
        self.users_button = label(ttk.Button(bottom, command=self.session.look), N_("Users"))
        self.close_button = label(ttk.Button(bottom, command=onClose), N_("Close"))
        for button in (self.send_button, self.users_button, self.close_button):
            button.pack(side="left", padx=(4, 0))
        self.entry.bind("<Return>", self.send_input)
        self.entry.bind("<KP_Enter>", self.send_input)
        self.entry.bind("<Up>", self._previous)
        self.entry.bind("<Down>", self._next)

        self.lost_bar = ttk.Frame(self)
        self.lost_message = ttk.Label(self.lost_bar, foreground="#c62828", justify="left")
        self.lost_message.pack(side="left", fill="x", expand=True, padx=(0, 8))
        # A long message wraps beside the button rather than pushing it out.
        self.lost_message.bind("<Configure>", self._wrap_lost_message)
        self.reconnect_button = label(ttk.Button(self.lost_bar, command=on_reconnect),
                                      N_("Reconnect"))
        self.reconnect_button.pack(side="right", anchor="n")

        panes = ttk.PanedWindow(self, orient="horizontal")
        panes.pack(side="top", fill="both", expand=True)
        panes.add(self._build_log(panes), weight=4)
        panes.add(self._build_side(panes), weight=1)

    def _build_log(self, master: tk.Misc) -> ttk.Frame:
        frame = ttk.Frame(master)
        self.log = tk.Text(frame, wrap="word", state="disabled", width=72, height=24,
                           padx=6, pady=4, borderwidth=1, relief="solid", takefocus=0)
        scroll = ttk.Scrollbar(frame, command=self._scroll)
        self.log.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.log.pack(side="left", fill="both", expand=True)
        #: Whether the log keeps its newest line in view.  Only the user changes
        #: that, by scrolling away from the end (or back to it): a resize (the
        #: lost-connection bar coming and going) hides the end, but it is no
        #: reason to stop following.
        self.following = True
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>", "<KeyPress>",
                         "<B1-Motion>", "<ButtonRelease-1>"):
            # After idle: once the Text's own binding has scrolled.
            self.log.bind(sequence, lambda event: self.after_idle(self._user_scrolled), add="+")
        self.log.bind("<Configure>", self._resized, add="+")
        for name, options in STYLES.items():
            self.log.tag_configure(name, **options)
        self.bold = tkfont.nametofont("TkTextFont").copy()
        self.bold.configure(weight="bold")
        self.log.tag_configure("marker", font=self.bold)
        # The log's own font in bold, so that a banded row keeps the others' metrics.
        self.bold_log = tkfont.nametofont(str(self.log["font"])).copy()
        self.bold_log.configure(weight="bold")
        for style, background in BANDS.items():
            self.log.tag_configure(f"{style}-band", background=background, font=self.bold_log)
        # Wrapped lines start under the text, not under the time.
        self.log.tag_configure("row", lmargin2=60)
        self.log.tag_raise("mention")
        return frame

    def _build_side(self, master: tk.Misc) -> ttk.Frame:
        frame = ttk.Frame(master, padding=(6, 0, 0, 0))
        self.labels(ttk.Label(frame), N_("Members")).pack(side="top", anchor="w")
        self.members = tk.Listbox(frame, width=20, height=12, activestyle="none",
                                  exportselection=False)
        self.members.pack(side="top", fill="both", expand=True)
        self.labels(ttk.Label(frame), N_("Rooms")).pack(side="top", anchor="w", pady=(6, 0))
        self.rooms = tk.Listbox(frame, width=20, height=8, activestyle="none",
                                exportselection=False)
        self.rooms.pack(side="top", fill="both", expand=True)
        self.refresh_button = self.labels(
            ttk.Button(frame, command=self.session.refresh_rooms), N_("Refresh"))
        self.refresh_button.pack(side="top", anchor="e", pady=(4, 0))
        self.members.bind("<Double-Button-1>", self._member_chosen)
        self.members.bind("<Return>", self._member_chosen)
        self.rooms.bind("<Double-Button-1>", self._room_chosen)
        self.rooms.bind("<Return>", self._room_chosen)
        return frame

    # What the user does

    def _scroll(self, *args: str) -> None:
        """The scrollbar moved the log."""
        self.log.yview(*args)
        self._user_scrolled()

    def _user_scrolled(self) -> None:
        self.following = self.log.yview()[1] >= 0.999

    def _resized(self, event: object) -> None:
        if self.following:
            self.log.see("end")

    def send_input(self, event: object = None) -> str:
        text = self.input.get()
        if text.strip() and self.session.connected:
            self.history.add(text)
            self.input.set("")
            self.session.submit(text)
        return "break"

    def _previous(self, event: object) -> str:
        self._recall(self.history.previous(self.input.get()))
        return "break"

    def _next(self, event: object) -> str:
        self._recall(self.history.next(self.input.get()))
        return "break"

    def _recall(self, line: str) -> None:
        self.input.set(line)
        self.entry.icursor("end")

    def _chosen(self, listbox: tk.Listbox, names: list[str], event: tk.Event) -> str | None:
        index = listbox.nearest(event.y) if event.type == tk.EventType.ButtonPress else None
        if index is None:
            selected = listbox.curselection()
            index = selected[0] if selected else None
        if index is None or not 0 <= index < len(names):
            return None
        return names[index]

    def _member_chosen(self, event: tk.Event) -> None:
        """A member double-clicked: start a private message to them."""
        name = self._chosen(self.members, self.member_names, event)
        if name is not None and name.casefold() != self.session.name.casefold():
            self.input.set(f"/msg {name} ")
            self.entry.icursor("end")
            self.entry.focus_set()

    def _room_chosen(self, event: tk.Event) -> None:
        """A room double-clicked: go there."""
        room = self._chosen(self.rooms, self.room_names, event)
        if room is not None:
            self.session.join(room)

    # What the session shows (IChatView)

    def show_rows(self, rows: Sequence[Row]) -> None:
        self.log.configure(state="normal")
        for row in rows:
            tags = ("row", "mention") if row.mention else ("row",)
            if row.style in BANDS:
                tags = (*tags, f"{row.style}-band")
            self.log.insert("end", row.stamp + "  ", ("stamp", *tags))
            if row.marker:
                marker = (row.style, "marker", "own") if row.own else (row.style, "marker")
                self.log.insert("end", row.marker + " ", (*marker, *tags))
            self.log.insert("end", row.text + "\n", (row.style, *tags))
        excess = int(self.log.index("end-1c").split(".")[0]) - 1 - MAX_LOG_LINES
        if excess > 0:
            self.log.delete("1.0", f"{excess + 1}.0")
        self.log.configure(state="disabled")
        if self.following:
            self.log.see("end")

    def clear_log(self) -> None:
        self.log.configure(state="normal")
        self.log.delete("1.0", "end")
        self.log.configure(state="disabled")
        self.following = True

    def log_text(self) -> str:
        """The log as plain text, one row a line."""
        return self.log.get("1.0", "end-1c")

    def show_room(self, room: str, topic: str, name: str) -> None:
        self.winfo_toplevel().title(f"{room} — {name} — twisted-chat")
        self.topic.configure(text=f"{room}: {topic}" if topic else room)

    def show_members(self, members: Sequence[str], ranks: Mapping[str, str], me: str,
                     more: int = 0) -> None:
        """Each member a line, a rank in words after the name: ``bob (operator)``."""
        self.member_names = list(members)
        self._members_shown = (list(members), dict(ranks), me, more)
        self.members.delete(0, "end")
        for index, name in enumerate(members):
            rank = ranks.get(name)
            self.members.insert("end", f"{name} ({self.words._(rank)})" if rank else name)
            if name.casefold() == me.casefold():
                self.members.itemconfigure(index, foreground=STYLES["own"]["foreground"])
        if more > 0:
            self.members.insert("end", self.words.format(N_("and {more} more"), more=more))
            self.members.itemconfigure("end", foreground=STYLES["notice"]["foreground"])

    def show_rooms(self, rooms: Sequence[RoomEntry], current: str) -> None:
        self.room_names = [room.name for room in rooms]
        self.rooms.delete(0, "end")
        for index, room in enumerate(rooms):
            self.rooms.insert("end", f"{room.name} ({room.members})")
            if room.name.casefold() == current.casefold():
                self.rooms.itemconfigure(index, background="#dfe9f5")

    def show_lost(self, message: str) -> None:
        self.lost_message.configure(text=message)
        self.reconnect_button.state(["!disabled"])
        self.lost_bar.pack(side="bottom", fill="x", pady=(4, 0), after=self.entry.master)
        for widget in (self.entry, self.send_button, self.users_button, self.refresh_button):
            widget.state(["disabled"])

    def _wrap_lost_message(self, event: tk.Event) -> None:
        """The message wraps at the width it is given (a resize, a long message)."""
        if event.width > 1 and str(self.lost_message["wraplength"]) != str(event.width):
            self.lost_message.configure(wraplength=event.width)

    def show_reconnecting(self, text: str) -> None:
        self.lost_message.configure(text=text)
        self.reconnect_button.state(["disabled"])

    def language_changed(self) -> None:
        """Every label and the members list in the session's new language."""
        self.labels.relabel()
        self.show_members(*self._members_shown)
        self.on_language()

    def show_connected(self) -> None:
        self.lost_bar.pack_forget()
        for widget in (self.entry, self.send_button, self.users_button, self.refresh_button):
            widget.state(["!disabled"])
        self.entry.focus_set()
