/*
 * twisted-chat in a browser.
 *
 * The wire (README.rst, "The JSON format"): one WebSocket at /ws on this
 * page's own host; each message the page sends is one command line of the
 * telnet command language (plain text goes as /say TEXT, as the desktop
 * client sends it); each message the server sends is one JSON event.  So
 * every /command works here as it does there, and the page only has to show
 * events.
 *
 * Safety: whatever the server or another user wrote reaches the page as text
 * (textContent, createElement), never as markup.  Nothing here hands a string
 * to the HTML parser, and the page's Content-Security-Policy allows no inline
 * script, so a line like <img src=x onerror=alert(1)> is just those characters.
 *
 * The words of each event are the text format's (twisted_chat/core/formats.py,
 * text_lines), so telnet, desktop and browser users read the same sentences;
 * only the styling is the page's own, and the login view's words where the
 * server's tell a telnet user what to type (LOGIN_WORDS).
 */
"use strict";

(function () {
  /** Lines kept in the log; older ones are dropped from the top. */
  const MAX_LOG = 2000;
  /** The rooms list is asked for again this often, besides after each room change. */
  const LIST_EVERY_MS = 30000;
  /** Reconnect delays double from 1 s up to this. */
  const MAX_DELAY_S = 30;
  /**
   * Milliseconds past the wait the server asked for before trying again
   * (connecting-too-fast), so that a timer a little early is still not too early.
   */
  const WAIT_MARGIN_MS = 250;
  /** Lines Up and Down walk through. */
  const KEEP_SENT = 100;
  /**
   * Words whose line holds a password (as the server's SECRET_WORDS): such a
   * line is never kept for Up/Down, and typed without its slash it is still
   * the command, never chat.
   */
  const SECRET_WORDS = new Set(["login", "register", "password"]);
  /**
   * Refusals of an automatic re-login that may pass later: the old connection
   * still holds the name until the server notices it is gone, the server is
   * busy or limiting us, or (in a cluster) the servers cannot reach each
   * other for now, so no name can be taken.  Any other refusal (a wrong
   * password) is the user's to answer, in the login view.
   * (connecting-too-fast, which says how long to wait, is tried again in the
   * login view too: tooFast.)
   */
  const TRY_AGAIN = new Set([
    "name-taken", "busy", "rate-limited", "server-full", "too-many-connections",
    "login-timeout", "internal-error", "cluster-unavailable",
  ]);

  /**
   * The login view's own words for the refusals whose server words speak
   * telnet ("Log in with: login NAME PASSWORD"): here the form is how one
   * logs in.  Every other refusal reads as the server wrote it.
   */
  const LOGIN_WORDS = {
    "password-required": (args) => "\u201c" + args.name + "\u201d is registered: enter its password.",
    "not-registered": (args) => "\u201c" + args.name + "\u201d is not registered: " +
      "leave the password empty.",
  };

  const $ = (id) => document.getElementById(id);
  const view = {
    login: $("login-view"), loginForm: $("login-form"), name: $("login-name"),
    password: $("login-password"), loginError: $("login-error"), loginButton: $("login-button"),
    chat: $("chat-view"), roomName: $("room-name"), topic: $("topic"), me: $("me"),
    toggle: $("side-toggle"), side: $("side"), status: $("status"), statusText: $("status-text"),
    statusNow: $("status-now"), statusLogin: $("status-login"), log: $("log"),
    acted: $("acted"), actedText: $("acted-text"), actedClose: $("acted-close"),
    members: $("members"), memberCount: $("member-count"), rooms: $("rooms"),
    inputForm: $("input-form"), input: $("input"),
  };

  /** Everything the page knows; the name and password live here only, never in storage. */
  // Follow the newest line only while the reader is at the bottom: decided
  // when they scroll, not measured at each line, so that a bar appearing
  // above the log (a kick's, the status) does not stop it following.
  let following = true;
  const chat = {
    socket: null,
    /** "login": the login view; "chat": logged in; "away": lost, getting back by itself. */
    phase: "login",
    name: "",
    password: "",
    room: null,
    main: null,
    topic: "",
    owner: null,
    /** The current room's operators present (keys; the owner is not among them). */
    operators: new Set(),
    /**
     * Server operators (keys) seen in any room's list: they are one everywhere,
     * so one who comes into this room later is still marked.
     */
    serverOperators: new Set(),
    members: new Map(),
    more: 0,
    rooms: new Map(),
    /** After a reconnect: the room to go back to once the server has put us in the main room. */
    returnTo: null,
    /** Answers still due to /list requests the page made itself (not shown in the log). */
    quietLists: 0,
    /** The same for /look, asked when a crowd's summary names only some. */
    quietLooks: 0,
    /** The server's name, from the login event. */
    server: "",
    /** The user asked to leave: a close then is not a loss. */
    leaving: false,
    /** The server's last words (a goodbye), for the login view after leaving. */
    goodbye: "",
    /**
     * How an operator put us off the server (a kick from the main room, a
     * disconnect, a server ban), in the text format's words: the close that
     * follows is not a loss to get back from by itself.
     */
    putOut: null,
    /** Kicked or banned from a room: the next room entered is the main room the act sent us to. */
    sentAway: false,
    /**
     * The name of a session the page could not take back by itself (a
     * password refused): logging in as it again goes back to its room, log kept.
     */
    resume: null,
    attempt: 0,
    /** Date.now() before which the page may not connect: the server said to wait. */
    notBefore: 0,
    retryTimer: null,
    countdown: null,
    listTimer: null,
    sent: [],
    sentIndex: 0,
    draft: "",
    composing: false,
    /** A password sent with /register or /password, until the server answers. */
    newPassword: null,
  };

  /** Names are one name in any case or width, as the server's are. */
  const key = (name) => name.normalize("NFKC").toLowerCase();

  // ---------------------------------------------------------------- the socket

  function socketUrl() {
    return (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws";
  }

  function connect(firstLine) {
    dropSocket();
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      lost();
      return;
    }
    chat.socket = socket;
    // Handlers ignore a socket that has since been replaced; one closed as
    // it opened (refused at once) says so through onclose, not send.
    socket.onopen = () => {
      if (socket === chat.socket && socket.readyState === WebSocket.OPEN) socket.send(firstLine);
    };
    socket.onmessage = (message) => { if (socket === chat.socket) received(message.data); };
    socket.onclose = () => { if (socket === chat.socket) lost(); };
  }

  /** Forget the socket (if any) without hearing from it again, and close it. */
  function dropSocket() {
    const socket = chat.socket;
    chat.socket = null;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      if (socket.readyState <= WebSocket.OPEN) socket.close();
    }
  }

  function open() {
    return chat.socket !== null && chat.socket.readyState === WebSocket.OPEN;
  }

  /** Send one command line; false (and nothing sent) when not connected. */
  function send(line) {
    if (!open()) return false;
    chat.socket.send(line);
    return true;
  }

  function loginLine() {
    return "login " + chat.name + (chat.password ? " " + chat.password : "");
  }

  function logIn() {
    if (open()) send(loginLine());
    else connect(loginLine());
  }

  /** The connection closed (or never opened): a loss unless the user asked to leave. */
  function lost() {
    dropSocket();
    stopListing();
    // Only the user's own /quit or /logout is a goodbye.  The close code cannot
    // tell: the server closes a session it shuts down as cleanly as one that
    // said goodbye, and a close that never arrived (a dead network) has none.
    const leftOnPurpose = chat.leaving;
    if (chat.phase === "login") {
      if (!view.loginError.textContent) {
        say(view.loginError, "Could not reach the server. Try again in a moment.");
      }
      loginReady();
      return;
    }
    if (chat.putOut !== null) {
      // Put off the server by an operator: getting back in by itself would undo it.  The
      // room's words say who and why (the goodbye after them says it again, to "you").
      const why = chat.putOut;
      chat.putOut = null;
      chat.leaving = false;
      chat.resume = null;
      showLogin(why);
      return;
    }
    if (leftOnPurpose) {
      chat.leaving = false;
      chat.resume = null;
      showLogin(chat.goodbye || "You have left the chat.", "note");
      return;
    }
    if (chat.phase === "chat") {
      chat.phase = "away";
      chat.attempt = 0;
      addLine(["notice", "lost"], nowSeconds(), null, "Disconnected from the server.");
    }
    retryLater("Disconnected");
  }

  /**
   * Try again after 1, 2, 4, ... up to 30 seconds, each a little shorter or
   * longer at random, so that a class whose server restarted does not come
   * back in one wave; and never before ``wait`` seconds, when the server
   * said to wait that long (no "Reconnect now" then: it would be refused).
   */
  function retryLater(why, wait = 0) {
    clearTimeout(chat.retryTimer);
    clearInterval(chat.countdown);
    const backoff = Math.min(MAX_DELAY_S, 2 ** chat.attempt) * (0.9 + Math.random() * 0.2) * 1000;
    const delay = wait > 0 ? Math.max(backoff, waitUntil(wait)) : backoff;
    chat.attempt += 1;
    const due = Date.now() + delay;
    const tell = () => {
      showStatus(why + " \u2014 reconnecting in " + secondsLeft(due) + " s\u2026", wait <= 0);
    };
    tell();
    chat.countdown = setInterval(tell, 1000);
    chat.retryTimer = setTimeout(retryNow, delay);
  }

  /** The server said to wait ``wait`` seconds: no connecting before; the milliseconds to wait. */
  function waitUntil(wait) {
    chat.notBefore = Date.now() + wait * 1000;
    return wait * 1000 + WAIT_MARGIN_MS;
  }

  function secondsLeft(due) {
    return Math.max(1, Math.ceil((due - Date.now()) / 1000));
  }

  function retryNow() {
    // Too early (a network back, a page shown again): the timer set will come.
    if (chat.phase !== "away" || Date.now() < chat.notBefore) return;
    clearTimeout(chat.retryTimer);
    clearInterval(chat.countdown);
    showStatus("Reconnecting\u2026", false);
    connect(loginLine());
  }

  // A phone that wakes up, or a network that comes back: no need to sit out the backoff.
  window.addEventListener("online", () => { if (chat.phase === "away") retryNow(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && chat.phase === "away" &&
        chat.socket === null) retryNow();
  });

  function showStatus(text, waiting) {
    view.status.hidden = false;
    say(view.statusText, text);
    view.statusNow.hidden = !waiting;
  }

  function startListing() {
    stopListing();
    chat.listTimer = setInterval(() => askRooms(), LIST_EVERY_MS);
  }

  function stopListing() {
    clearInterval(chat.listTimer);
    chat.listTimer = null;
    chat.quietLists = chat.quietLooks = 0;
  }

  /** Ask for the rooms list for the side panel; its answer is not shown in the log. */
  function askRooms() {
    if (chat.quietLists === 0 && chat.phase === "chat" && send("/list")) chat.quietLists += 1;
  }

  // ---------------------------------------------------------------- events

  function received(data) {
    let event = null;
    try {
      event = JSON.parse(data);
    } catch (error) {
      event = null;
    }
    if (event === null || typeof event !== "object" || typeof event.type !== "string") {
      // Not an event: the user typed /format text.  Shown as it came, muted.
      addLine(["raw"], nowSeconds(), null, String(data));
      return;
    }
    if (chat.phase !== "chat" && event.type !== "login") {
      beforeLogin(event);
      return;
    }
    const handle = handlers[event.type];
    if (handle === undefined || handle(event) !== false) show(event);
  }

  /**
   * Not logged in yet: errors answer the login; the rest is not shown (the
   * server's welcome tells a telnet user how to log in, which the login view
   * does itself).
   */
  function beforeLogin(event) {
    if (event.type !== "error") return;
    if (event.code === "connecting-too-fast") {
      tooFast(event);
      return;
    }
    if (chat.phase === "login") {
      say(view.loginError, loginWords(event));
      view.loginError.classList.remove("note");
      loginReady();
      view.name.focus();
      return;
    }
    // An automatic re-login was refused.
    if (TRY_AGAIN.has(event.code)) {
      dropSocket();
      retryLater(event.code === "name-taken"
        ? chat.name + " is still taken (the old connection may not have ended yet)"
        : event.text);
    } else {
      chat.resume = chat.name;
      showLogin(loginWords(event));
    }
  }

  function loginWords(event) {
    const words = LOGIN_WORDS[event.code];
    const args = event.args || {};
    return words !== undefined && typeof args.name === "string" ? words(args) : event.text;
  }

  /**
   * Refused for connecting too often (the server then closes): its words,
   * and the same login again once its wait is over, not before; in the
   * login view the button counts down meanwhile.
   */
  function tooFast(event) {
    dropSocket();
    const wait = Math.max(Number((event.args || {}).wait) || 0, 1);
    if (chat.phase !== "login") {
      retryLater(event.text, wait);
      return;
    }
    clearTimeout(chat.retryTimer);
    clearInterval(chat.countdown);
    say(view.loginError, event.text);
    view.loginError.classList.remove("note");
    const delay = waitUntil(wait);
    const due = Date.now() + delay;
    view.loginButton.disabled = true;
    const tell = () => say(view.loginButton, "Trying again in " + secondsLeft(due) + " s\u2026");
    tell();
    chat.countdown = setInterval(tell, 1000);
    chat.retryTimer = setTimeout(() => {
      clearInterval(chat.countdown);
      loginReady();
      submitLogin();
    }, delay);
  }

  const handlers = {
    login(event) {
      const again = chat.phase === "away" ||
        (chat.resume !== null && key(chat.resume) === key(event.name));
      chat.resume = null;
      chat.goodbye = "";
      chat.putOut = null;
      chat.name = event.name;
      chat.server = event.server || "";
      chat.phase = "chat";
      chat.attempt = 0;
      clearTimeout(chat.retryTimer);
      clearInterval(chat.countdown);
      view.status.hidden = true;
      if (again) {
        // The server puts everyone in the main room; the room event takes us back.
        chat.returnTo = chat.room;
        chat.room = null;
        addLine(["notice"], event.time, null, "Connected again as " + event.name + ".");
      } else {
        clearChat();
      }
      showChat();
      startListing();
      return !again;
    },

    goodbye(event) {
      chat.goodbye = event.text;
    },

    /** The answer to /register or /password: a notice if it took, an error if not. */
    notice() {
      if (chat.newPassword !== null) chat.password = chat.newPassword;
      chat.newPassword = null;
    },

    error() {
      chat.newPassword = null;
    },

    room(event) {
      const entered = chat.room === null || key(event.room) !== key(chat.room);
      chat.room = event.room;
      // In a room after all: whatever put us out did not put us off the server.
      chat.putOut = null;
      chat.topic = event.topic;
      chat.owner = event.owner;
      chat.main = chat.main || event.room;
      chat.members = new Map(event.members.map((name) => [key(name), name]));
      chat.operators = new Set((event.operators || []).map(key));
      // The room's word on its own members; the rest are kept from other rooms.
      const serverOperators = new Set((event.server_operators || []).map(key));
      for (const name of chat.members.keys()) {
        if (serverOperators.has(name)) chat.serverOperators.add(name);
        else chat.serverOperators.delete(name);
      }
      chat.more = event.total == null ? 0 : event.total - event.members.length;
      showRoom();
      showMembers();
      if (!entered && chat.quietLooks > 0) {
        // The answer to a look the page asked for (a crowd came and went), not the user.
        chat.quietLooks -= 1;
        return false;
      }
      if (entered) {
        // An act on us stays in view in the room it sent us to, not in the next one chosen.
        if (!chat.sentAway) view.acted.hidden = true;
        chat.sentAway = false;
        askRooms();
        const back = chat.returnTo;
        chat.returnTo = null;
        if (back !== null && key(back) !== key(event.room)) {
          send("/join " + back);
        }
        showRooms();
      }
    },

    presence(event) {
      if (!here(event.room)) return;
      const action = event.action;
      if (action === "login" || action === "join") {
        chat.members.set(key(event.name), event.name);
        // The server says the rank of whoever comes in: the badge is as it says.
        if (event.role === "operator") chat.operators.add(key(event.name));
        else chat.operators.delete(key(event.name));
        if (event.role === "server operator") chat.serverOperators.add(key(event.name));
        count(event.room, +1);
        if (event.from_room) count(event.from_room, -1);
      } else if (action === "part" || action === "logout" || action === "drop") {
        chat.members.delete(key(event.name));
        chat.operators.delete(key(event.name));
        count(event.room, -1);
        if (event.to_room) count(event.to_room, +1);
      } else if (action === "nick" && event.old_name) {
        chat.members.delete(key(event.old_name));
        chat.members.set(key(event.name), event.name);
        renameRoles(event.old_name, event.name);
      }
      showMembers();
    },

    moderation(event) {
      if (event.action === "op" || event.action === "deop") {
        if (here(event.room) && event.target) {
          if (event.action === "op") chat.operators.add(key(event.target));
          else chat.operators.delete(key(event.target));
          showMembers();
        }
        return;
      }
      const removed = event.removed || [];
      if (removed.length === 0) return;
      // A kick or ban from a room sends them to the main room; any other removal, off the server.
      const toMain = event.room != null && chat.main !== null && key(event.room) !== key(chat.main) &&
        (event.action === "kick" || event.action === "ban");
      for (const name of removed) {
        if (key(name) === key(chat.name)) {
          // Us: a room event for the main room follows, or a goodbye and the close.
          chat.returnTo = null;
          if (toMain) chat.sentAway = true;
          else chat.putOut = moderationWords(event);
          continue;
        }
        if (!chat.members.delete(key(name))) continue;
        if (!toMain) chat.operators.delete(key(name));
        if (chat.room !== null) count(chat.room, -1);
        if (toMain) count(chat.main, +1);
      }
      showMembers();
    },

    crowd(event) {
      if (!here(event.room)) return;
      for (const name of event.departed) chat.members.delete(key(name));
      for (const name of event.arrived) chat.members.set(key(name), name);
      showMembers();
      count(event.room, event.arrivals - event.departures);
      // Only the first names are told: ask for the whole room, quietly.
      if ((event.arrivals > event.arrived.length || event.departures > event.departed.length) &&
          chat.quietLooks === 0 && send("/look")) {
        chat.quietLooks += 1;
      }
    },

    owner(event) {
      if (!here(event.room)) return;
      chat.owner = event.name;
      showMembers();
    },

    topic(event) {
      const entry = chat.rooms.get(key(event.room));
      if (entry !== undefined) {
        chat.rooms.set(key(event.room), { ...entry, topic: event.topic });
        showRooms();
      }
      if (!here(event.room)) return;
      chat.topic = event.topic;
      showRoom();
    },

    renamed(event) {
      chat.members.delete(key(chat.name));
      renameRoles(chat.name, event.name);
      chat.name = event.name;
      chat.members.set(key(event.name), event.name);
      showRoom();
      showMembers();
    },

    rooms(event) {
      chat.rooms = new Map(event.rooms.map((room) => [key(room.name), room]));
      showRooms();
      if (chat.quietLists > 0) {
        chat.quietLists -= 1;
        return false;
      }
    },
  };

  function here(room) {
    return chat.room !== null && room != null && key(room) === key(chat.room);
  }

  /** Someone's roles go with them to their new name. */
  function renameRoles(old, name) {
    for (const roles of [chat.operators, chat.serverOperators]) {
      if (roles.delete(key(old))) roles.add(key(name));
    }
  }

  /** Someone came or went: keep the rooms list's counts without asking the server. */
  function count(room, change) {
    const entry = chat.rooms.get(key(room));
    if (entry === undefined) {
      if (change > 0) askRooms();
      return;
    }
    const members = Math.max(entry.members + change, 0);
    if (members > 0 || (chat.main !== null && key(room) === key(chat.main))) {
      chat.rooms.set(key(room), { ...entry, members });
    } else {
      chat.rooms.delete(key(room));
    }
    showRooms();
  }

  // ---------------------------------------------------------------- how each event reads

  const PRESENCE = {
    login: (e) => e.name + " has logged in",
    join: (e) => e.name + " has joined " + e.room + " (from " + e.from_room + ")",
    part: (e) => e.name + " has left for " + e.to_room,
    logout: (e) => e.name + " has logged out",
    drop: (e) => e.name + " has left",
    nick: (e) => e.old_name + " is now known as " + e.name,
  };

  const HISTORY_TITLES = {
    replay: (n, e) => "Last " + n + " in " + e.room + ":",
    history: (n, e) => "History of " + e.room + ", " + n + ":",
    search: (n, e) => n + " in " + e.room + " matching " + e.query + ":",
  };

  /**
   * What each act reads as (the text format's _ACTS): ``{by}``, ``{target}``,
   * ``{room}`` ("the server" if server-wide) and ``{span}`` filled in; a reason
   * follows after a colon.
   */
  const ACTS = {
    op: "{by} made {target} an operator of {room}",
    deop: "{by} removed {target} as an operator of {room}",
    kick: "{by} kicked {target} out of {room}",
    ban: "{by} banned {target} from {room}{span}",
    unban: "{by} lifted the ban on {target} in {room}",
    mute: "{by} muted {target} in {room}{span}",
    unmute: "{by} unmuted {target} in {room}",
    invite: "{by} invited {target} to {room}",
    disconnect: "{by} disconnected {target} from the server",
    lock: "{by} locked the server: no new logins but operators' for now",
    unlock: "{by} unlocked the server: anyone may log in again",
  };

  /** The same acts server-wide (``room`` null: the text format's _SERVER_ACTS). */
  const SERVER_ACTS = {
    ...ACTS,
    kick: "{by} kicked {target} out of the server",
    ban: "{by} banned {target} from the server{span}",
    unban: "{by} lifted the server's ban on {target}",
    mute: "{by} muted {target} in every room{span}",
    unmute: "{by} unmuted {target} in every room",
  };

  /** An act nobody did: what ran out, in a room and server-wide. */
  const EXPIRED = {
    unban: "The ban on {target} in {room} has run out",
    unmute: "{target}'s mute in {room} has run out",
  };
  const SERVER_EXPIRED = {
    unban: "The server's ban on {target} has run out",
    unmute: "{target}'s mute in every room has run out",
  };

  /** What a room setting reads as: on (with its ``{value}``), off. */
  const SETTINGS = {
    "invite-only": ["{by} made {room} invite-only", "{by} opened {room} to everyone"],
    key: ["{by} set a key on {room}: join {room} KEY", "{by} took the key off {room}"],
    limit: ["{by} limited {room} to {value} members", "{by} lifted {room}'s member limit"],
    slow: ["{by} put {room} in slow mode: one line each per {value} seconds",
      "{by} turned slow mode off in {room}"],
    quiet: ["{by} made newcomers to {room} wait {value} seconds before speaking",
      "{by} let newcomers to {room} speak at once"],
  };

  /** Acts on you that stay in view above the log until read (a disconnect shows on the login view). */
  const KEPT_IN_VIEW = new Set(["kick", "ban", "unban", "mute", "unmute"]);
  /** The acts against someone, which stand out in their own log. */
  const SANCTIONS = new Set(["kick", "ban", "mute", "disconnect"]);

  /** ``template`` with its ``{field}``s filled in, once (a value is never read as a template). */
  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => String(fields[name]));
  }

  /** Where a listing's bans hold, or an act was done: a room, or the whole server. */
  function where(room, server = "on the server") {
    return room != null ? "in " + room : server;
  }

  /** ``9m 18s``, ``10m``: a ban's time, rounded up, no empty unit (durations.span). */
  function lengthOf(seconds) {
    let left = Math.max(1, Math.ceil(seconds));
    const parts = [];
    for (const [name, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
      parts.push([Math.floor(left / size), name]);
      left %= size;
    }
    const first = parts.findIndex(([count]) => count > 0);
    return parts.slice(first, first + 2).filter(([count]) => count > 0)
      .map(([count, name]) => count + name).join(" ");
  }

  /** `` for 10m (until 14:03)``, or nothing for what lasts (the text format's _span). */
  function span(until, now) {
    if (until == null) return "";
    return " for " + lengthOf(until - now) + " (until " + stamp(until, now) + ")";
  }

  /** A moderation event in the text format's words (its _moderation), without the marker. */
  function moderationWords(event) {
    const fields = { by: event.by, target: event.target, room: event.room,
      span: span(event.until, event.time), value: event.value };
    const server = event.room == null;
    let line;
    if (event.action === "setting") {
      const [on, off] = SETTINGS[event.setting] || ["{by} set " + event.setting + " on {room}: {value}",
        "{by} turned " + event.setting + " off in {room}"];
      line = fill(event.value === "off" ? off : on, fields);
    } else if (event.by == null) {
      line = fill((server ? SERVER_EXPIRED : EXPIRED)[event.action] ||
        "{target}: " + event.action, fields);
    } else {
      line = fill((server ? SERVER_ACTS : ACTS)[event.action] ||
        "{by}: " + event.action + " {target}", fields);
    }
    return line + (event.reason && event.by != null ? ": " + event.reason : "");
  }

  /** A listing's `` until 14:03``, or nothing for what lasts. */
  function ends(until, now) {
    return until != null ? " until " + stamp(until, now) : "";
  }

  function secondsOrOff(value) {
    return value ? value + "s" : "off";
  }

  /** ``3m 20s``: the short durations of the text format's whois. */
  function shortDuration(seconds) {
    let left = Math.floor(Math.max(seconds, 0));
    const parts = [];
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
      parts.push([Math.floor(left / size), unit]);
      left %= size;
    }
    while (parts.length > 1 && parts[0][0] === 0) parts.shift();
    return parts.slice(0, 2).map(([n, unit]) => n + unit).join(" ");
  }

  function show(event) {
    const t = event.time;
    switch (event.type) {
      case "chat":
        addLine(["chat"], t, { marker: "<" + event.sender + ">", sender: event.sender }, event.text);
        break;
      case "emote":
        addLine(["emote"], t, { marker: "* " + event.sender, sender: event.sender }, event.text);
        break;
      case "private": {
        const out = key(event.sender) === key(chat.name);
        addLine(["private", out ? "outgoing" : "incoming"], t,
          { marker: "[" + event.sender + " \u2192 " + event.target + "]", sender: event.sender },
          event.text);
        break;
      }
      case "notice":
        for (const line of String(event.text).split("\n")) addLine(["notice"], t, null, line);
        break;
      case "presence": {
        const words = (PRESENCE[event.action] || ((e) => e.name + " " + e.action))(event);
        addLine(["presence"], t, null, event.reason ? words + " (" + event.reason + ")" : words);
        break;
      }
      case "owner":
        addLine(["notice"], t, null, event.name + " now owns " + event.room);
        break;
      case "moderation": {
        const words = moderationWords(event);
        // What is done to you stands out: who did it, and why.
        const toMe = (event.target != null && key(event.target) === key(chat.name)) ||
          (event.removed || []).some((name) => key(name) === key(chat.name));
        // Made an operator, or invited, is news, not a warning: only sanctions stand out.
        const against = toMe && SANCTIONS.has(event.action);
        const line = addLine(against ? ["notice", "moderation", "to-me"] : ["notice", "moderation"],
          t, null, words);
        line.dataset.action = event.action;
        // Kicked or banned, the main room's replay follows and pushes that line away: kept in view.
        if (toMe && KEPT_IN_VIEW.has(event.action)) {
          say(view.actedText, words);
          view.acted.hidden = false;
        }
        break;
      }
      case "wall":
        addLine(["wall"], t, { marker: "Notice to everyone from " + event.sender + ":" }, event.text);
        break;
      case "bans": {
        if (event.entries.length === 0) {
          addLine(["listing"], t, null, "No bans or mutes " + where(event.room) + ".");
          break;
        }
        addLine(["listing"], t, null, "Bans and mutes " + where(event.room) + " (" +
          event.entries.length + "):");
        for (const entry of event.entries) {
          addLine(["listing", "item"], t, null, entry.kind + " " + entry.target + " (by " + entry.by +
            ends(entry.until, t) + ")" + (entry.reason ? ": " + entry.reason : ""));
        }
        break;
      }
      case "audit": {
        const whose = event.room != null ? event.room : "every room and the server";
        if (event.acts.length === 0) {
          addLine(["listing"], t, null, "Nothing has been done in " + whose + " yet.");
          break;
        }
        addLine(["listing"], t, null, "Audit of " + whose + ", last " + event.acts.length + ":");
        for (const act of event.acts) {
          addLine(["listing", "item"], t, null, "[" + stamp(act.when, t) + "] " +
            (act.by || "(expired)") + " " + act.action + (act.target ? " " + act.target : "") +
            " " + where(act.room, "server-wide") + ends(act.until, t) + (act.reason ? ": " + act.reason : ""));
        }
        break;
      }
      case "ignoring":
        if (event.changed != null) {
          addLine(["notice"], t, null, event.on
            ? "You now ignore " + event.changed + "; they are not told."
            : "You no longer ignore " + event.changed + ".");
        } else if (event.names.length === 0) {
          addLine(["listing"], t, null, "You ignore nobody.");
        } else {
          addLine(["listing"], t, null, "You ignore (" + event.names.length + "): " +
            event.names.join(", "));
        }
        break;
      case "room-settings":
        addLine(["listing"], t, null, event.room + ": invite-only " + (event.invite_only ? "on" : "off") +
          ", key " + (event.key ? "on" : "off") + ", limit " + (event.limit || "off") +
          ", slow " + secondsOrOff(event.slow) + ", quiet " + secondsOrOff(event.quiet) +
          (event.registered ? ", registered" : ""));
        break;
      case "crowd": {
        const some = (n, names) => names.join(", ") + (n > names.length ? " and " + (n - names.length) + " more" : "");
        const told = [];
        if (event.arrivals) told.push(event.arrivals + " came in: " + some(event.arrivals, event.arrived));
        if (event.departures) told.push(event.departures + " left: " + some(event.departures, event.departed));
        addLine(["presence"], t, null, event.room + ": " + told.join("; "));
        break;
      }
      case "topic":
        if (event.setter) {
          addLine(["notice"], t, null, event.setter + " set the topic of " + event.room + ": " + event.topic);
        } else {
          addLine(["listing"], t, null, "Topic of " + event.room + ": " + (event.topic || "(none)"));
        }
        break;
      case "login":
        addLine(["notice"], t, null, (event.server ? "Welcome to " + event.server + "! " : "") +
          "You are " + event.name + ". Type /help for the commands.");
        break;
      case "renamed":
        addLine(["notice"], t, null, "You are now known as " + event.name);
        break;
      case "room": {
        const total = event.total == null ? event.members.length : event.total;
        const more = total - event.members.length;
        addLine(["listing"], t, null, "Room " + event.room + (event.owner ? ", owned by " + event.owner : ""));
        addLine(["listing"], t, null, "Topic: " + (event.topic || "(none)"));
        const roles = new Map();
        for (const name of event.operators || []) roles.set(key(name), "operator");
        for (const name of event.server_operators || []) roles.set(key(name), "server operator");
        if (event.owner && !roles.has(key(event.owner))) roles.set(key(event.owner), "owner");
        const shown = event.members.map((name) =>
          roles.has(key(name)) ? name + " (" + roles.get(key(name)) + ")" : name);
        addLine(["listing"], t, null, "Members (" + total + "): " + shown.join(", ") +
          (more > 0 ? " and " + more + " more" : ""));
        break;
      }
      case "who":
        addLine(["listing"], t, null, "Online (" + event.users.length + "):");
        for (const user of event.users) addLine(["listing", "item"], t, null, user.name + " (in " + user.room + ")");
        break;
      case "whois":
        addLine(["listing"], t, null, event.name + " is in " + event.room + ", connected " +
          shortDuration(event.connected) + ", idle " + shortDuration(event.idle));
        break;
      case "rooms":
        addLine(["listing"], t, null, "Rooms (" + event.rooms.length + "):");
        for (const room of event.rooms) {
          addLine(["listing", "item"], t, null, room.name + " (" + room.members + ")" + (room.topic ? ": " + room.topic : ""));
        }
        break;
      case "history":
        showHistory(event);
        break;
      case "help":
        showHelp(event);
        break;
      case "format":
        addLine(["notice"], t, null, "Output format: " + event.format);
        break;
      case "encoding":
        addLine(["notice"], t, null, event.guessed
          ? "Your text looks like " + event.encoding.toUpperCase() + ", so this connection now uses " +
            event.encoding.toUpperCase() + ". Type /encoding NAME to change it."
          : "Encoding: " + event.encoding);
        if (!event.guessed && event.choices && event.choices.length) {
          addLine(["listing"], t, null, "Encodings: " + event.choices.join(", "));
        }
        break;
      case "color":
        addLine(["notice"], t, null, "Colour is " + (event.on ? "on" : "off"));
        break;
      case "goodbye":
        addLine(["notice"], t, null, event.text);
        break;
      case "error":
        addLine(["error"], t, null, event.text);
        break;
      default:
        // A kind this page does not know yet (the server only ever adds some).
        if (typeof event.text === "string") addLine(["notice"], t, null, event.text);
    }
  }

  /** The replay on entering a room, /history and /search: muted, each line at its own time. */
  function showHistory(event) {
    const n = event.lines.length + (event.lines.length === 1 ? " line" : " lines");
    if (event.lines.length === 0) {
      addLine(["history", "title"], event.time, null, event.reason === "search"
        ? "No lines in " + event.room + " match " + event.query + "."
        : "Nothing has been said in " + event.room + " yet.");
      return;
    }
    const title = (HISTORY_TITLES[event.reason] || HISTORY_TITLES.history)(n, event);
    addLine(["history", "title"], event.time, null, title);
    for (const line of event.lines) {
      const emote = line.kind === "emote";
      addLine(["history", emote ? "emote" : "chat"], line.time,
        { marker: emote ? "* " + line.sender : "<" + line.sender + ">", sender: line.sender },
        line.text);
    }
  }

  function showHelp(event) {
    const t = event.time;
    if (event.detailed) {
      const command = event.commands[0];
      addLine(["listing"], t, null, "/" + command.usage);
      addLine(["listing", "item"], t, null, command.summary);
      if (command.aliases.length) {
        addLine(["listing", "item"], t, null, "Also: " + command.aliases.map((a) => "/" + a).join(", "));
      }
      for (const line of command.details.split("\n")) {
        if (line.trim()) addLine(["listing", "item"], t, null, line);
      }
      return;
    }
    addLine(["listing"], t, null, "Commands (type /help COMMAND for one in detail):");
    for (const command of event.commands) {
      const li = addLine(["listing", "item", "command"], t, { marker: "/" + command.usage }, command.summary);
      li.dataset.command = command.name;
    }
  }

  // ---------------------------------------------------------------- the log

  function nowSeconds() {
    return Date.now() / 1000;
  }

  function two(n) {
    return String(n).padStart(2, "0");
  }

  /**
   * ``14:03`` in local time, or ``11-20 14:03`` for another day than ``now``
   * (seconds; by default the page's clock), as the text format's stamps.
   */
  function stamp(seconds, now = nowSeconds()) {
    const when = new Date(seconds * 1000);
    now = new Date(now * 1000);
    const hm = two(when.getHours()) + ":" + two(when.getMinutes());
    if (when.toDateString() === now.toDateString()) return hm;
    const day = two(when.getMonth() + 1) + "-" + two(when.getDate()) + " " + hm;
    return when.getFullYear() === now.getFullYear() ? day : when.getFullYear() + "-" + day;
  }

  function say(element, text) {
    element.textContent = text;
  }

  /**
   * One line of the log: its time, then (for what someone said) the marker
   * with the sender's name, then the text.  ``kinds`` are its classes.
   */
  function addLine(kinds, seconds, who, text) {
    const log = view.log;
    const li = document.createElement("li");
    li.className = "line " + kinds.join(" ");
    const time = document.createElement("time");
    const when = typeof seconds === "number" && isFinite(seconds) ? seconds : nowSeconds();
    time.dateTime = new Date(when * 1000).toISOString();
    time.title = new Date(when * 1000).toLocaleString();
    time.textContent = stamp(when);
    li.append(time, " ");
    if (who !== null) {
      const marker = document.createElement("span");
      marker.className = "marker";
      marker.textContent = who.marker;
      li.append(marker, " ");
      if (who.sender !== undefined) {
        li.dataset.sender = who.sender;
        if (key(who.sender) === key(chat.name)) li.classList.add("own");
        else if (mentions(text, chat.name)) li.classList.add("mention");
      }
    }
    const body = document.createElement("span");
    body.className = "text";
    appendText(body, String(text));
    li.append(body);
    log.append(li);
    while (log.childElementCount > MAX_LOG) log.firstElementChild.remove();
    if (following) log.scrollTop = log.scrollHeight;
    return li;
  }

  /** Whether ``text`` holds ``name`` as a word of its own, in any case. */
  function mentions(text, name) {
    if (!name) return false;
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp("(?<![\\p{L}\\p{N}_])" + escaped + "(?![\\p{L}\\p{N}_])", "iu").test(text);
  }

  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;

  /**
   * ``text`` into ``element`` as text nodes, with http(s) addresses as links.
   * A link's href is the address parsed by URL, never anything else, and it
   * opens without telling the other site who sent the reader there.
   */
  function appendText(element, text) {
    let from = 0;
    for (const found of text.matchAll(URL_PATTERN)) {
      // Trailing punctuation belongs to the sentence, not the address.
      const address = found[0].replace(/[.,;:!?)\]}'"]+$/, "");
      let url = null;
      try {
        url = new URL(address);
      } catch (error) {
        url = null;
      }
      if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
      element.append(text.slice(from, found.index));
      const link = document.createElement("a");
      link.href = url.href;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      link.textContent = address;
      element.append(link);
      from = found.index + address.length;
    }
    element.append(text.slice(from));
  }

  // ---------------------------------------------------------------- the panels

  function showRoom() {
    say(view.roomName, chat.room || "");
    say(view.topic, chat.topic || "");
    view.topic.hidden = !chat.topic;
    say(view.me, chat.name);
    document.title = (chat.room ? chat.room + " \u2014 " : "") + (chat.server || "twisted-chat");
  }

  /**
   * A member's badges, in words (a colour alone tells a reader nothing):
   * server operator (outranks everyone), owner, operator (only one who is
   * neither), and you.
   */
  function roles(name) {
    const found = [];
    if (chat.serverOperators.has(key(name))) {
      found.push({ kind: "server-operator", word: "server operator",
        title: "Server operator: keeps order in every room" });
    }
    if (chat.owner !== null && key(name) === key(chat.owner)) {
      found.push({ kind: "owner", word: "owner", title: "Owns this room" });
    } else if (chat.operators.has(key(name)) && !chat.serverOperators.has(key(name))) {
      found.push({ kind: "operator", word: "operator", title: "Keeps order in this room" });
    }
    if (key(name) === key(chat.name)) found.push({ kind: "self", word: "you", title: "You" });
    return found;
  }

  function showMembers() {
    const names = [...chat.members.values()].sort((a, b) => key(a).localeCompare(key(b)));
    const items = names.map((name) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "member";
      button.dataset.name = name;
      button.title = "Write privately to " + name;
      const label = document.createElement("span");
      label.className = "name";
      label.textContent = name;
      button.append(label);
      for (const role of roles(name)) {
        button.classList.add(role.kind);
        const badge = document.createElement("span");
        badge.className = "badge " + (role.kind === "self" ? "you" : role.kind);
        badge.textContent = role.word;
        badge.title = role.title;
        button.append(" ", badge);
      }
      button.addEventListener("click", () => {
        setInput("/msg " + name + " ");
        closeSide();
      });
      li.append(button);
      return li;
    });
    if (chat.more > 0) {
      const li = document.createElement("li");
      li.className = "more";
      li.textContent = "and " + chat.more + " more";
      items.push(li);
    }
    view.members.replaceChildren(...items);
    say(view.memberCount, "(" + (names.length + chat.more) + ")");
  }

  function showRooms() {
    const rooms = [...chat.rooms.values()].sort((a, b) => key(a.name).localeCompare(key(b.name)));
    view.rooms.replaceChildren(...rooms.map((room) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "room";
      button.dataset.room = room.name;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = room.name;
      const members = document.createElement("span");
      members.className = "count";
      members.textContent = String(room.members);
      members.title = room.members + (room.members === 1 ? " member" : " members");
      button.append(name, " ", members);
      if (room.topic) {
        const topic = document.createElement("span");
        topic.className = "room-topic";
        topic.textContent = room.topic;
        button.append(topic);
      }
      if (here(room.name)) {
        button.classList.add("current");
        button.setAttribute("aria-current", "true");
      }
      button.addEventListener("click", () => {
        if (!here(room.name)) send("/join " + room.name);
        closeSide();
        view.input.focus();
      });
      li.append(button);
      return li;
    }));
  }

  function closeSide() {
    view.side.classList.remove("open");
    view.toggle.setAttribute("aria-expanded", "false");
  }

  view.toggle.addEventListener("click", () => {
    const opened = view.side.classList.toggle("open");
    view.toggle.setAttribute("aria-expanded", String(opened));
  });
  // On a narrow screen the panel lies over the log: a tap on the log or Escape puts it away.
  view.log.addEventListener("click", closeSide);
  // Only the reader's own scrolling (wheel, touch, keys, the scroll bar)
  // stops it; a bar shown above the log, or the log filled anew, does not.
  let readerScrolled = 0;
  for (const type of ["wheel", "touchmove", "keydown", "mousedown"]) {
    view.log.addEventListener(type, () => { readerScrolled = Date.now(); }, { passive: true });
  }
  view.log.addEventListener("scroll", () => {
    const log = view.log;
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 40) following = true;
    else if (Date.now() - readerScrolled < 1000) following = false;
  });
  document.addEventListener("keydown", (keydown) => {
    if (keydown.key === "Escape") closeSide();
  });

  // ---------------------------------------------------------------- views

  function clearChat() {
    view.log.replaceChildren();
    view.acted.hidden = true;
    chat.sentAway = false;
    chat.room = chat.main = chat.owner = chat.returnTo = null;
    chat.topic = "";
    chat.members = new Map();
    chat.operators = new Set();
    chat.serverOperators = new Set();
    chat.rooms = new Map();
    chat.more = 0;
  }

  function showChat() {
    view.login.hidden = true;
    view.chat.hidden = false;
    showRoom();
    view.input.focus();
  }

  /**
   * Back to the login view, saying why (the server's words: an error, or a
   * goodbye when ``tone`` is "note"), with the name filled in.
   */
  function showLogin(why, tone) {
    clearTimeout(chat.retryTimer);
    clearInterval(chat.countdown);
    stopListing();
    chat.phase = "login";
    chat.password = "";
    view.status.hidden = true;
    view.chat.hidden = true;
    view.login.hidden = false;
    view.name.value = chat.name;
    view.password.value = "";
    say(view.loginError, why);
    view.loginError.classList.toggle("note", tone === "note");
    loginReady();
    (chat.name ? view.password : view.name).focus();
  }

  function loginReady() {
    view.loginButton.disabled = false;
    say(view.loginButton, "Log in");
  }

  view.loginForm.addEventListener("submit", (submit) => {
    submit.preventDefault();
    // Confirming a name in an input method, or a login already on its way (or waiting).
    if (chat.composing || view.loginButton.disabled) return;
    submitLogin();
  });

  /** Log in with what the form holds. */
  function submitLogin() {
    view.loginError.classList.remove("note");
    const name = view.name.value.trim();
    const password = view.password.value;
    if (!name) {
      say(view.loginError, "Type the name you want to use.");
      view.name.focus();
      return;
    }
    if (/\s/.test(name)) {
      say(view.loginError, "A name has no spaces.");
      view.name.focus();
      return;
    }
    if (/\s/.test(password)) {
      say(view.loginError, "A password has no spaces.");
      view.password.focus();
      return;
    }
    chat.name = name;
    chat.password = password;
    say(view.loginError, "");
    view.loginButton.disabled = true;
    say(view.loginButton, "Logging in\u2026");
    logIn();
  }

  view.actedClose.addEventListener("click", () => {
    view.acted.hidden = true;
    view.input.focus();
  });

  view.statusNow.addEventListener("click", () => {
    chat.attempt = Math.max(chat.attempt - 1, 0);
    retryNow();
  });

  view.statusLogin.addEventListener("click", () => {
    dropSocket();
    chat.resume = chat.name;
    showLogin("");
  });

  // ---------------------------------------------------------------- the input line

  /**
   * The command line for what was typed, as the desktop client makes it
   * (twisted_chat/gui/session.py, submit): a /command as typed (the server
   * reads //text as chat starting with a slash); anything else is chat, so
   * that "look" or "quit" alone is said, not done.  Except a line starting
   * with login, register or password: a password typed without its slash is
   * still the command, never chat for the room to read.
   */
  function commandLine(typed) {
    if (typed.startsWith("/")) return typed;
    const first = typed.trim().split(/\s+/)[0].toLowerCase();
    return SECRET_WORDS.has(first) ? "/" + typed.trimStart() : "/say " + typed;
  }

  function submitInput() {
    const typed = view.input.value;
    if (!typed.trim()) return;
    const line = commandLine(typed);
    if (chat.phase !== "chat" || !send(line)) {
      addLine(["error", "local"], nowSeconds(), null,
        "Not connected: that line was not sent. It is still in the input line.");
      return;
    }
    const words = line.slice(1).trim().split(/\s+/);
    const command = words[0].toLowerCase();
    // A re-login after a lost connection will need the new password (kept in
    // memory only), once the server's answer says it took.
    if (command === "register" && words.length === 2) chat.newPassword = words[1];
    else if (command === "password" && words.length === 3) chat.newPassword = words[2];
    // Both take a message, so any line starting with either word leaves, as on telnet.
    if (command === "quit" || command === "logout") chat.leaving = true;
    if (!SECRET_WORDS.has(command)) remember(typed);
    chat.sentIndex = chat.sent.length;
    chat.draft = "";
    view.input.value = "";
  }

  function remember(line) {
    if (chat.sent[chat.sent.length - 1] !== line) chat.sent.push(line);
    if (chat.sent.length > KEEP_SENT) chat.sent.shift();
  }

  function setInput(text) {
    view.input.value = text;
    view.input.focus();
    view.input.setSelectionRange(text.length, text.length);
  }

  /** Up and Down: the lines sent before, and back to what was being typed. */
  function walk(step) {
    if (chat.sent.length === 0) return;
    if (chat.sentIndex === chat.sent.length) chat.draft = view.input.value;
    const index = Math.min(Math.max(chat.sentIndex + step, 0), chat.sent.length);
    if (index === chat.sentIndex) return;
    chat.sentIndex = index;
    setInput(index === chat.sent.length ? chat.draft : chat.sent[index]);
  }

  // An input method (Chinese, Japanese, ...) uses Enter to confirm what it
  // composed: that Enter must not send.  Browsers tell it differently:
  // isComposing on the keydown, keyCode 229 ("the IME has it"; Safari sends
  // compositionend first, then a keydown with isComposing false but 229),
  // and the composition events themselves.
  for (const field of [view.input, view.name]) {
    field.addEventListener("compositionstart", () => { chat.composing = true; });
    field.addEventListener("compositionend", () => { chat.composing = false; });
  }

  function composingKey(keydown) {
    return chat.composing || keydown.isComposing || keydown.keyCode === 229;
  }

  view.input.addEventListener("keydown", (keydown) => {
    if (composingKey(keydown)) return;
    if (keydown.key === "Enter" && !keydown.shiftKey) {
      keydown.preventDefault();
      submitInput();
    } else if (keydown.key === "ArrowUp") {
      keydown.preventDefault();
      walk(-1);
    } else if (keydown.key === "ArrowDown") {
      keydown.preventDefault();
      walk(+1);
    }
  });

  view.name.addEventListener("keydown", (keydown) => {
    // Confirming a Chinese name in the input method must not submit the form.
    if (keydown.key === "Enter" && composingKey(keydown)) keydown.preventDefault();
  });

  view.inputForm.addEventListener("submit", (submit) => {
    // The Send button (Enter is handled above).
    submit.preventDefault();
    submitInput();
    view.input.focus();
  });

  view.name.focus();
})();
