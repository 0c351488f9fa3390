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
 *
 * Languages: every sentence and label goes through t("msgid", {values}) (and
 * tn for plurals), with the server's own msgids where the sentence is the
 * server's, so its catalog translates them, and the page's own (the
 * "clients" catalog) for the rest.  The server says which language it
 * speaks (a "language" event, first on each connection and after each
 * /lang); the page then fetches that language's table (/i18n/CODE.json),
 * re-labels itself and words what follows in it; lines shown stay as they
 * are.  The chooser sends /lang and the choice is kept in localStorage, to
 * be asked for again on each connection.
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
    "password-required": (args) => t("“{name}” is registered: enter its password.", args),
    "not-registered": (args) => t("“{name}” is not registered: leave the password empty.",
      args),
  };

  /** Where the language chosen is kept: only its code. */
  const LANGUAGE_KEY = "twisted-chat.language";
  /** The languages the server speaks, by code: what the chooser offers. */
  const LANGUAGES = ["en", "zh-CN", "zh-TW"];

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
    choosers: [$("login-language"), $("chat-language")],
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
    /** The line to send once the server has said which language it speaks (greet). */
    firstLine: null,
    /** Whether this connection's first line went (and so /lang may be sent now). */
    greeted: false,
    /** What the server sent that waits while a language's table is fetched. */
    inbox: [],
    loading: false,
  };

  /** Names are one name in any case or width, as the server's are. */
  const key = (name) => name.normalize("NFKC").toLowerCase();

  // ---------------------------------------------------------------- the page's words

  /** Marks a msgid for the catalogs where it is only named, and translated later by t. */
  const N_ = (msgid) => msgid;

  /** Each language's table fetched so far, by code; English's words are its msgids. */
  const tables = new Map([["en", {}]]);
  /** The language the page words things in now, and its table. */
  const words = { code: "en", table: {} };

  /** ``msgid`` in the page's language, its ``{name}``s filled in from ``values``. */
  function t(msgid, values) {
    const found = words.table[msgid];
    return fill(typeof found === "string" && found ? found : msgid, values || {});
  }

  /**
   * The form of a message for ``count`` (``{count} line``, ``{count} lines``),
   * filled in.  A table holds a plural's forms under "singular\\0plural"; the
   * languages served have one form (Chinese) or English's two.
   */
  function tn(singular, plural, count, values) {
    const forms = words.table[singular + "\u0000" + plural];
    let template = count === 1 ? singular : plural;
    if (Array.isArray(forms) && forms.length > 0) {
      template = forms[forms.length === 1 || count === 1 ? 0 : 1];
    }
    return fill(template, { count, ...(values || {}) });
  }

  /**
   * ``template`` with its ``{field}``s filled in, once (a value is never read
   * as a template); a field it is not given stays as written.
   */
  function fill(template, fields) {
    return template.replace(/\{(\w+)(?::\w+)?\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(fields, name) ? String(fields[name]) : whole);
  }

  /** The page's own labels: each element's text (or an attribute), as a msgid. */
  const LABELS = [
    ["noscript-text", "textContent", N_("This chat needs JavaScript. Without it, use telnet.")],
    ["login-intro", "textContent", N_("Choose a name to join the chat.")],
    ["login-name-label", "textContent", N_("Name")],
    ["login-password-label", "textContent", N_("Password")],
    ["login-password-hint", "textContent", N_("(only for a registered name)")],
    ["side-toggle", "textContent", N_("People & rooms")],
    ["status-now", "textContent", N_("Reconnect now")],
    ["status-login", "textContent", N_("Log in as someone else")],
    ["acted-close", "textContent", N_("OK")],
    ["log", "aria-label", N_("Messages")],
    ["side", "aria-label", N_("People and rooms")],
    ["members-title", "textContent", N_("In this room")],
    ["rooms-title", "textContent", N_("Rooms")],
    ["input-label", "textContent", N_("Message, or a /command")],
    ["input", "placeholder", N_("Message, or /help")],
    ["send-button", "textContent", N_("Send")],
    ["login-language", "aria-label", N_("Language")],
    ["chat-language", "aria-label", N_("Language")],
  ];

  /** Every label in the page's language, and what the panels show worded again. */
  function relabel() {
    document.documentElement.lang = words.code;
    for (const [id, where, msgid] of LABELS) {
      const element = $(id);
      if (element === null) continue;
      if (where === "textContent") element.textContent = t(msgid);
      else element.setAttribute(where, t(msgid));
    }
    for (const chooser of view.choosers) chooser.value = words.code;
    if (!view.loginButton.disabled) say(view.loginButton, t("Log in"));
    if (chat.phase !== "login") {
      showMembers();
      showRooms();
    }
  }

  /** Word the page in ``code`` from now on (its table fetched already). */
  function useWords(code) {
    const table = tables.get(code);
    if (table === undefined || code === words.code) return;
    words.code = code;
    words.table = table;
    relabel();
  }

  /**
   * ``code``'s table, fetched once; resolves to it, or to null if the server
   * has none (the page stays as it is).
   */
  function fetchWords(code) {
    if (tables.has(code)) return Promise.resolve(tables.get(code));
    return fetch("/i18n/" + encodeURIComponent(code) + ".json", { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((table) => {
        if (table === null || typeof table !== "object") return null;
        tables.set(code, table);
        return table;
      })
      .catch(() => null);
  }

  /** The language chosen here before, if any (storage may be refused). */
  function savedLanguage() {
    try {
      const code = window.localStorage.getItem(LANGUAGE_KEY);
      return LANGUAGES.includes(code) ? code : null;
    } catch (error) {
      return null;
    }
  }

  function saveLanguage(code) {
    try {
      window.localStorage.setItem(LANGUAGE_KEY, code);
    } catch (error) {
      // Not kept: the page still speaks it until it is closed.
    }
  }

  /** The Chinese the browser asks for (zh-TW for Traditional), or null for another language. */
  function browserChinese() {
    const asked = String(navigator.language || "").toLowerCase();
    if (!/^zh\b/.test(asked)) return null;
    return /^zh-(tw|hk|mo|hant)\b/.test(asked) ? "zh-TW" : "zh-CN";
  }

  /**
   * The language to ask a server for that speaks ``told``: the one chosen
   * here; on a first visit, the browser's Chinese where the server speaks
   * English; else none (the server's is fine).
   */
  function wantedLanguage(told) {
    const saved = savedLanguage();
    if (saved !== null) return saved !== told ? saved : null;
    const chinese = browserChinese();
    return told === "en" && chinese !== null ? chinese : null;
  }

  /** The chooser: ask the server (which answers with a language event), or word the page now. */
  function chooseLanguage(code) {
    if (!LANGUAGES.includes(code)) return;
    saveLanguage(code);
    if (chat.greeted && send("/lang " + code)) {
      for (const chooser of view.choosers) chooser.value = code;
      return;
    }
    fetchWords(code).then(() => useWords(code));
  }

  for (const chooser of view.choosers) {
    chooser.addEventListener("change", () => chooseLanguage(chooser.value));
  }

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
    // The first line waits for the server's first word (which language it
    // speaks: greet), so that the language chosen here is asked for before it.
    chat.firstLine = firstLine;
    chat.greeted = false;
    // Handlers ignore a socket that has since been replaced; one closed as
    // it opened (refused at once) says so through onclose, not send.
    socket.onmessage = (message) => { if (socket === chat.socket) received(message.data); };
    socket.onclose = () => { if (socket === chat.socket) lost(); };
  }

  /**
   * The server's first word on a connection: if it is the language it
   * speaks and another is wanted here, ask for that one (whose event then
   * comes instead, so this one need not be followed); then the first line
   * (the login).  True when this event is not to be followed.
   */
  function greet(event) {
    chat.greeted = true;
    const wanted = event !== null && event.type === "language" ? wantedLanguage(event.code) : null;
    if (wanted !== null) send("/lang " + wanted);
    const line = chat.firstLine;
    chat.firstLine = null;
    if (line !== null) send(line);
    return wanted !== null;
  }

  /** Forget the socket (if any) without hearing from it again, and close it. */
  function dropSocket() {
    const socket = chat.socket;
    chat.socket = null;
    chat.greeted = false;
    chat.inbox = [];
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
        say(view.loginError, t("Could not reach the server. Try again in a moment."));
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
      showLogin(chat.goodbye || t("You have left the chat."), "note");
      return;
    }
    if (chat.phase === "chat") {
      chat.phase = "away";
      chat.attempt = 0;
      addLine(["notice", "lost"], nowSeconds(), null, t("Disconnected from the server."));
    }
    retryLater(N_("Disconnected"));
  }

  /**
   * Try again after 1, 2, 4, ... up to 30 seconds, each a little shorter or
   * longer at random, so that a class whose server restarted does not come
   * back in one wave; and never before ``wait`` seconds, when the server
   * said to wait that long (no "Reconnect now" then: it would be refused).
   * ``why`` is a msgid of the page's or the server's words; each tick words
   * it in the page's language of the moment.
   */
  function retryLater(why, wait = 0) {
    clearTimeout(chat.retryTimer);
    clearInterval(chat.countdown);
    const backoff = Math.min(MAX_DELAY_S, 2 ** chat.attempt) * (0.9 + Math.random() * 0.2) * 1000;
    const delay = wait > 0 ? Math.max(backoff, waitUntil(wait)) : backoff;
    chat.attempt += 1;
    const due = Date.now() + delay;
    const tell = () => {
      showStatus(t("{why} — reconnecting in {seconds} s…", { why: t(why), seconds: secondsLeft(due) }),
        wait <= 0);
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
    showStatus(t("Reconnecting…"), false);
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

  /**
   * What the server sent, in order; while a language's table is on its way,
   * what comes after waits for it, so that it is worded in that language.
   */
  function received(data) {
    chat.inbox.push(data);
    drain();
  }

  function drain() {
    while (!chat.loading && chat.inbox.length > 0) take(chat.inbox.shift());
  }

  function take(data) {
    let event = null;
    try {
      event = JSON.parse(data);
    } catch (error) {
      event = null;
    }
    if (event === null || typeof event !== "object" || typeof event.type !== "string") {
      event = null;
    }
    if (!chat.greeted && greet(event)) return;
    if (event === null) {
      // Not an event: the user typed /format text.  Shown as it came, muted.
      addLine(["raw"], nowSeconds(), null, String(data));
      return;
    }
    if (event.type === "language" && typeof event.code === "string" && !tables.has(event.code)) {
      chat.loading = true;
      const socket = chat.socket;
      fetchWords(event.code).then(() => {
        chat.loading = false;
        if (socket === chat.socket) dispatch(event);
        drain();
      });
      return;
    }
    dispatch(event);
  }

  /** The server speaks ``event.code`` to us now: so does the page, and it is the choice here. */
  function followLanguage(event) {
    useWords(event.code);
    if (chat.phase === "chat" && LANGUAGES.includes(event.code)) saveLanguage(event.code);
  }

  function dispatch(event) {
    if (event.type === "language") followLanguage(event);
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
        ? t("{name} is still taken (the old connection may not have ended yet)", { name: chat.name })
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
    const tell = () => say(view.loginButton, t("Trying again in {seconds} s…",
      { seconds: secondsLeft(due) }));
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
        addLine(["notice"], event.time, null, t("Connected again as {name}.", { name: event.name }));
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

  // Every sentence here is the text format's msgid (twisted_chat/core/formats.py),
  // so the server's catalog translates it; a line's markers (***, =, !) are not shown.

  const PRESENCE = {
    login: N_("{name} has logged in"),
    join: N_("{name} has joined {room} (from {from_room})"),
    part: N_("{name} has left for {to_room}"),
    logout: N_("{name} has logged out"),
    drop: N_("{name} has left"),
    nick: N_("{old_name} is now known as {name}"),
  };

  const HISTORY_TITLES = {
    replay: N_("Last {lines} in {room}:"),
    history: N_("History of {room}, {lines}:"),
    search: N_("{lines} in {room} matching {query}:"),
  };

  /**
   * What each act reads as (the text format's _ACTS): ``{by}``, ``{target}``,
   * ``{room}`` ("the server" if server-wide) and ``{span}`` filled in; a reason
   * follows after a colon.
   */
  const ACTS = {
    op: N_("{by} made {target} an operator of {room}"),
    deop: N_("{by} removed {target} as an operator of {room}"),
    kick: N_("{by} kicked {target} out of {room}"),
    ban: N_("{by} banned {target} from {room}{span}"),
    unban: N_("{by} lifted the ban on {target} in {room}"),
    mute: N_("{by} muted {target} in {room}{span}"),
    unmute: N_("{by} unmuted {target} in {room}"),
    invite: N_("{by} invited {target} to {room}"),
    disconnect: N_("{by} disconnected {target} from the server"),
    lock: N_("{by} locked the server: no new logins but operators' for now"),
    unlock: N_("{by} unlocked the server: anyone may log in again"),
  };

  /** The same acts server-wide (``room`` null: the text format's _SERVER_ACTS). */
  const SERVER_ACTS = {
    ...ACTS,
    kick: N_("{by} kicked {target} out of the server"),
    ban: N_("{by} banned {target} from the server{span}"),
    unban: N_("{by} lifted the server's ban on {target}"),
    mute: N_("{by} muted {target} in every room{span}"),
    unmute: N_("{by} unmuted {target} in every room"),
  };

  /** An act nobody did: what ran out, in a room and server-wide. */
  const EXPIRED = {
    unban: N_("The ban on {target} in {room} has run out"),
    unmute: N_("{target}'s mute in {room} has run out"),
  };
  const SERVER_EXPIRED = {
    unban: N_("The server's ban on {target} has run out"),
    unmute: N_("{target}'s mute in every room has run out"),
  };

  /** What a room setting reads as: on (with its ``{value}``), off. */
  const SETTINGS = {
    "invite-only": [N_("{by} made {room} invite-only"), N_("{by} opened {room} to everyone")],
    key: [N_("{by} set a key on {room}: join {room} KEY"), N_("{by} took the key off {room}")],
    limit: [N_("{by} limited {room} to {value} members"), N_("{by} lifted {room}'s member limit")],
    slow: [N_("{by} put {room} in slow mode: one line each per {value} seconds"),
      N_("{by} turned slow mode off in {room}")],
    quiet: [N_("{by} made newcomers to {room} wait {value} seconds before speaking"),
      N_("{by} let newcomers to {room} speak at once")],
  };

  /** What each rank reads as after a member's name in a room's listing (formats._ROLES). */
  const ROLES = {
    operator: N_("operator"), "server operator": N_("server operator"), owner: N_("owner"),
  };

  /** What a ban or mute entry's kind reads as in a listing. */
  const KINDS = { ban: N_("ban"), mute: N_("mute") };

  /** Acts on you that stay in view above the log until read (a disconnect shows on the login view). */
  const KEPT_IN_VIEW = new Set(["kick", "ban", "unban", "mute", "unmute"]);
  /** The acts against someone, which stand out in their own log. */
  const SANCTIONS = new Set(["kick", "ban", "mute", "disconnect"]);

  /** The units of a span of time, largest first, each as the server words it short (``3m``). */
  const UNITS = [[N_("{count}d"), 86400], [N_("{count}h"), 3600], [N_("{count}m"), 60],
    [N_("{count}s"), 1]];

  function split(seconds) {
    let left = seconds;
    return UNITS.map(([unit, size]) => {
      const count = Math.floor(left / size);
      left %= size;
      return [count, unit];
    });
  }

  /** ``9m 18s``, ``10m``: a ban's time, rounded up, no empty unit (durations.span). */
  function lengthOf(seconds) {
    const parts = split(Math.max(1, Math.ceil(seconds)));
    const first = parts.findIndex(([count]) => count > 0);
    return parts.slice(first, first + 2).filter(([count]) => count > 0)
      .map(([count, unit]) => t(unit, { count })).join(" ");
  }

  /** ``3m 20s``: the short durations of the text format's whois (durations.duration). */
  function shortDuration(seconds) {
    const parts = split(Math.floor(Math.max(seconds, 0)));
    while (parts.length > 1 && parts[0][0] === 0) parts.shift();
    return parts.slice(0, 2).map(([count, unit]) => t(unit, { count })).join(" ");
  }

  /** `` for 10m (until 14:03)``, or nothing for what lasts (the text format's _span). */
  function span(until, now) {
    if (until == null) return "";
    return t(" for {span} (until {until})", { span: lengthOf(until - now), until: stamp(until, now) });
  }

  /** A moderation event in the text format's words (its _moderation), without the marker. */
  function moderationWords(event) {
    const fields = { by: event.by, target: event.target, room: event.room,
      span: span(event.until, event.time), value: event.value };
    const server = event.room == null;
    let template;
    if (event.action === "setting") {
      const [on, off] = SETTINGS[event.setting] || ["{by} set " + event.setting + " on {room}: {value}",
        "{by} turned " + event.setting + " off in {room}"];
      template = event.value === "off" ? off : on;
    } else if (event.by == null) {
      template = (server ? SERVER_EXPIRED : EXPIRED)[event.action] || "{target}: " + event.action;
    } else {
      template = (server ? SERVER_ACTS : ACTS)[event.action] || "{by}: " + event.action + " {target}";
    }
    const line = t(template, fields);
    return event.reason && event.by != null ? withReason(line, event.reason) : line;
  }

  /** A listing's `` until 14:03``, or nothing for what lasts. */
  function ends(until, now) {
    return until != null ? t(" until {until}", { until: stamp(until, now) }) : "";
  }

  /** A line and the reason someone gave, as the language joins them (``line: reason``). */
  function withReason(line, reason) {
    return t("{line}: {reason}", { line, reason });
  }

  /** Names (or codes) one after another, as the language lists them (``a, b, c``). */
  function listed(items) {
    return items.join(t(", "));
  }

  /** ``alice, bob and 3 more``: the first names of many (the text format's _some). */
  function some(count, names) {
    const more = count - names.length;
    return more > 0 ? t("{names} and {more} more", { names: listed(names), more })
      : listed(names);
  }

  function show(event) {
    const at = event.time;
    switch (event.type) {
      case "chat":
        addLine(["chat"], at, { marker: "<" + event.sender + ">", sender: event.sender }, event.text);
        break;
      case "emote":
        addLine(["emote"], at, { marker: "* " + event.sender, sender: event.sender }, event.text);
        break;
      case "private": {
        const out = key(event.sender) === key(chat.name);
        addLine(["private", out ? "outgoing" : "incoming"], at,
          { marker: "[" + event.sender + " \u2192 " + event.target + "]", sender: event.sender },
          event.text);
        break;
      }
      case "notice":
        for (const line of String(event.text).split("\n")) addLine(["notice"], at, null, line);
        break;
      case "as-chat":
        addLine(["notice"], at, null, t("Sent as chat. For the command, type: {command}",
          { command: event.command }));
        break;
      case "presence": {
        const template = PRESENCE[event.action];
        const said = template !== undefined ? t(template, event) : event.name + " " + event.action;
        // A logout's reason is the user's goodbye; a drop's is the server's.
        const reason = event.reason && event.action === "drop" ? t(event.reason) : event.reason;
        addLine(["presence"], at, null, reason ? t("{line} ({reason})", { line: said, reason }) : said);
        break;
      }
      case "owner":
        addLine(["notice"], at, null, t("{name} now owns {room}", event));
        break;
      case "moderation": {
        const said = moderationWords(event);
        // What is done to you stands out: who did it, and why.
        const toMe = (event.target != null && key(event.target) === key(chat.name)) ||
          (event.removed || []).some((name) => key(name) === key(chat.name));
        // Made an operator, or invited, is news, not a warning: only sanctions stand out.
        const against = toMe && SANCTIONS.has(event.action);
        const line = addLine(against ? ["notice", "moderation", "to-me"] : ["notice", "moderation"],
          at, null, said);
        line.dataset.action = event.action;
        // Kicked or banned, the main room's replay follows and pushes that line away: kept in view.
        if (toMe && KEPT_IN_VIEW.has(event.action)) {
          say(view.actedText, said);
          view.acted.hidden = false;
        }
        break;
      }
      case "wall":
        addLine(["wall"], at, { marker: t("Notice to everyone from {sender}:", event) }, event.text);
        break;
      case "bans": {
        const count = event.entries.length;
        if (count === 0) {
          addLine(["listing"], at, null, event.room == null ? t("No bans or mutes on the server.")
            : t("No bans or mutes in {room}.", { room: event.room }));
          break;
        }
        addLine(["listing"], at, null, event.room == null
          ? t("Bans and mutes on the server ({count}):", { count })
          : t("Bans and mutes in {room} ({count}):", { room: event.room, count }));
        for (const entry of event.entries) {
          const kind = KINDS[entry.kind] !== undefined ? t(KINDS[entry.kind]) : entry.kind;
          const line = t("{kind} {target} (by {by}{ends})",
            { kind, target: entry.target, by: entry.by, ends: ends(entry.until, at) });
          addLine(["listing", "item"], at, null, entry.reason ? withReason(line, entry.reason) : line);
        }
        break;
      }
      case "audit": {
        const count = event.acts.length;
        if (count === 0) {
          addLine(["listing"], at, null, event.room == null
            ? t("Nothing has been done in every room and the server yet.")
            : t("Nothing has been done in {room} yet.", { room: event.room }));
          break;
        }
        addLine(["listing"], at, null, event.room == null
          ? t("Audit of every room and the server, last {count}:", { count })
          : t("Audit of {room}, last {count}:", { room: event.room, count }));
        for (const act of event.acts) {
          const where = act.room != null ? t("in {room}", { room: act.room }) : t("server-wide");
          // The acts' words are the server's msgids ("ban", "setting"), one sentence a line.
          const line = t("{by} {action}{target} {where}{ends}", {
            by: act.by || t("(expired)"), action: t(act.action),
            target: act.target ? " " + act.target : "", where, ends: ends(act.until, at) });
          addLine(["listing", "item"], at, null, "[" + stamp(act.when, at) + "] " +
            (act.reason ? withReason(line, act.reason) : line));
        }
        break;
      }
      case "ignoring":
        if (event.changed != null) {
          addLine(["notice"], at, null, event.on
            ? t("You now ignore {name}; they are not told.", { name: event.changed })
            : t("You no longer ignore {name}.", { name: event.changed }));
        } else if (event.names.length === 0) {
          addLine(["listing"], at, null, t("You ignore nobody."));
        } else {
          addLine(["listing"], at, null, t("You ignore ({count}): {names}",
            { count: event.names.length, names: listed(event.names) }));
        }
        break;
      case "room-settings": {
        const on = t("on");
        const off = t("off");
        const seconds = (value) => (value ? value + "s" : off);
        addLine(["listing"], at, null, t("{room}: invite-only {invite_only}, key {key}, limit {limit}, slow {slow}, quiet {quiet}", {
          room: event.room, invite_only: event.invite_only ? on : off, key: event.key ? on : off,
          limit: event.limit || off, slow: seconds(event.slow), quiet: seconds(event.quiet),
        }) + (event.registered ? t(", registered") : ""));
        break;
      }
      case "crowd": {
        const told = [];
        if (event.arrivals) {
          told.push(t("{count} came in: {names}",
            { count: event.arrivals, names: some(event.arrivals, event.arrived) }));
        }
        if (event.departures) {
          told.push(t("{count} left: {names}",
            { count: event.departures, names: some(event.departures, event.departed) }));
        }
        addLine(["presence"], at, null, event.room + ": " + told.join("; "));
        break;
      }
      case "topic":
        if (event.setter) {
          addLine(["notice"], at, null, t("{setter} set the topic of {room}: {topic}", event));
        } else {
          addLine(["listing"], at, null, t("Topic of {room}: {topic}",
            { room: event.room, topic: event.topic || t("(none)") }));
        }
        break;
      case "login":
        addLine(["notice"], at, null, (event.server ? t("Welcome to {server}!", event) + " " : "") +
          t("You are {name}. Type /help for the commands.", event));
        break;
      case "renamed":
        addLine(["notice"], at, null, t("You are now known as {name}", event));
        break;
      case "room": {
        const total = event.total == null ? event.members.length : event.total;
        const more = total - event.members.length;
        addLine(["listing"], at, null, event.owner ? t("Room {room}, owned by {owner}", event)
          : t("Room {room}", event));
        addLine(["listing"], at, null, t("Topic: {topic}", { topic: event.topic || t("(none)") }));
        const roles = new Map();
        for (const name of event.operators || []) roles.set(key(name), "operator");
        for (const name of event.server_operators || []) roles.set(key(name), "server operator");
        if (event.owner && !roles.has(key(event.owner))) roles.set(key(event.owner), "owner");
        const shown = event.members.map((name) =>
          roles.has(key(name)) ? t("{name} ({role})", { name, role: t(ROLES[roles.get(key(name))]) })
            : name);
        const names = listed(shown);
        addLine(["listing"], at, null, more > 0
          ? t("Members ({total}): {names} and {more} more", { total, names, more })
          : t("Members ({total}): {names}", { total, names }));
        break;
      }
      case "who":
        addLine(["listing"], at, null, t("Online ({count}):", { count: event.users.length }));
        for (const user of event.users) {
          addLine(["listing", "item"], at, null, t("{name} (in {room})", user));
        }
        break;
      case "whois":
        addLine(["listing"], at, null, t("{name} is in {room}, connected {connected}, idle {idle}", {
          name: event.name, room: event.room, connected: shortDuration(event.connected),
          idle: shortDuration(event.idle),
        }));
        break;
      case "rooms":
        addLine(["listing"], at, null, t("Rooms ({count}):", { count: event.rooms.length }));
        for (const room of event.rooms) {
          addLine(["listing", "item"], at, null, room.topic
            ? t("{room} ({members}): {topic}", { room: room.name, members: room.members, topic: room.topic })
            : t("{room} ({members})", { room: room.name, members: room.members }));
        }
        break;
      case "history":
        showHistory(event);
        break;
      case "help":
        showHelp(event);
        break;
      case "format":
        addLine(["notice"], at, null, t("Output format: {format}", event));
        break;
      case "encoding":
        addLine(["notice"], at, null, event.guessed
          ? t("Your text looks like {encoding}, so this connection now uses {encoding}. Type /encoding NAME to change it.",
            { encoding: event.encoding.toUpperCase() })
          : t("Encoding: {encoding}", event));
        if (!event.guessed && event.choices && event.choices.length) {
          addLine(["listing"], at, null, t("Encodings: {choices}", { choices: listed(event.choices) }));
        }
        break;
      case "language":
        addLine(["notice"], at, null, t("Language: {name} ({code}). Type /lang CODE to change it.", event));
        if (event.choices && event.choices.length) {
          addLine(["listing"], at, null, t("Languages: {choices}", { choices: listed(event.choices) }));
        }
        break;
      case "color":
        addLine(["notice"], at, null, event.on ? t("Colour is on") : t("Colour is off"));
        break;
      case "goodbye":
        addLine(["notice"], at, null, event.text);
        break;
      case "error":
        addLine(["error"], at, null, event.text);
        break;
      default:
        // A kind this page does not know yet (the server only ever adds some).
        if (typeof event.text === "string") addLine(["notice"], at, null, event.text);
    }
  }

  /** The replay on entering a room, /history and /search: muted, each line at its own time. */
  function showHistory(event) {
    if (event.lines.length === 0) {
      addLine(["history", "title"], event.time, null, event.reason === "search"
        ? t("No lines in {room} match {query}.", event)
        : t("Nothing has been said in {room} yet.", event));
      return;
    }
    const lines = tn("{count} line", "{count} lines", event.lines.length);
    const title = HISTORY_TITLES[event.reason] || HISTORY_TITLES.history;
    addLine(["history", "title"], event.time, null,
      t(title, { lines, room: event.room, query: event.query }));
    for (const line of event.lines) {
      const emote = line.kind === "emote";
      addLine(["history", emote ? "emote" : "chat"], line.time,
        { marker: emote ? "* " + line.sender : "<" + line.sender + ">", sender: line.sender },
        line.text);
    }
  }

  function showHelp(event) {
    const at = event.time;
    if (event.detailed) {
      const command = event.commands[0];
      addLine(["listing"], at, null, "/" + command.usage);
      addLine(["listing", "item"], at, null, command.summary);
      if (command.aliases.length) {
        addLine(["listing", "item"], at, null, t("Also: {aliases}",
          { aliases: command.aliases.map((a) => "/" + a).join(", ") }));
      }
      for (const line of command.details.split("\n")) {
        if (line.trim()) addLine(["listing", "item"], at, null, line);
      }
      return;
    }
    addLine(["listing"], at, null, t("Commands (type /help COMMAND for one in detail):"));
    for (const command of event.commands) {
      const li = addLine(["listing", "item", "command"], at, { marker: "/" + command.usage }, command.summary);
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
      found.push({ kind: "server-operator", word: t("server operator"),
        title: t("Server operator: keeps order in every room") });
    }
    if (chat.owner !== null && key(name) === key(chat.owner)) {
      found.push({ kind: "owner", word: t("owner"), title: t("Owns this room") });
    } else if (chat.operators.has(key(name)) && !chat.serverOperators.has(key(name))) {
      found.push({ kind: "operator", word: t("operator"), title: t("Keeps order in this room") });
    }
    if (key(name) === key(chat.name)) found.push({ kind: "self", word: t("you"), title: t("You") });
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
      button.title = t("Write privately to {name}", { name });
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
      li.textContent = t("and {more} more", { more: chat.more });
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
      members.title = tn("{count} member", "{count} members", room.members);
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
    say(view.loginButton, t("Log in"));
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
      say(view.loginError, t("Type the name you want to use."));
      view.name.focus();
      return;
    }
    if (/\s/.test(name)) {
      say(view.loginError, t("A name has no spaces."));
      view.name.focus();
      return;
    }
    if (/\s/.test(password)) {
      say(view.loginError, t("A password has no spaces."));
      view.password.focus();
      return;
    }
    chat.name = name;
    chat.password = password;
    say(view.loginError, "");
    view.loginButton.disabled = true;
    say(view.loginButton, t("Logging in…"));
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
        t("Not connected: that line was not sent. It is still in the input line."));
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

  // Before any server is heard from: the language chosen here before, or on a
  // first visit the browser's Chinese (the server's word follows on connecting).
  relabel();
  const first = savedLanguage() || browserChinese();
  if (first !== null) fetchWords(first).then(() => useWords(first));
  view.name.focus();
})();
