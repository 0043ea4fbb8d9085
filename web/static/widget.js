/*
 * Awex China e-commerce advisor: the chat widget.
 *
 * Embed with one line:
 *   <script src="https://host/widget.js" data-lang="fr" defer></script>
 *
 * No framework. Everything lives in an open shadow DOM so the host page's styles neither leak
 * in nor out. Every sentence comes from /api/ui-strings (web/strings/). Bot text is rendered by
 * building DOM nodes with textContent only: an answer containing HTML shows it as text.
 * Bot replies can echo what the user typed (a name, an e-mail): links are rendered only in
 * knowledge answers (curated articles), and markdown the user typed shows as typed.
 *
 * The conversation is the server's: its first reply carries a signed token ("session"), kept
 * in the tab's sessionStorage and sent back with every message; "New conversation" drops it.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__awexAdvisorLoaded) {
    return;
  }
  window.__awexAdvisorLoaded = true;

  var ORIGIN = new URL(script.src, document.baseURI).origin;
  var LANGS = ["fr", "en"];
  var STORE_KEY = "awex-advisor:v1";
  var MAX_CHARS = 1000;
  var SVG_NS = "http://www.w3.org/2000/svg";
  // A thumb drawn as a path, so it shows the same everywhere (no emoji font needed).
  var THUMB_PATH = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79" +
    "-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 " +
    "1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  var INITIAL_LANG = LANGS.indexOf(script.getAttribute("data-lang")) >= 0
    ? script.getAttribute("data-lang") : "fr";

  var strings = null; // {fr: {...}, en: {...}} from /api/ui-strings
  var state = loadState() || freshState(INITIAL_LANG);
  // Nothing is written to sessionStorage until the user sends something (privacy notice).
  var interacted = state.entries.length > 0;
  var busy = false;
  var generation = 0; // bumped on reset so a late reply to the old conversation is dropped
  var ui = {};

  // ---------------------------------------------------------------- state and storage

  function freshState(lang) {
    return { v: 1, session: null, lang: lang, entries: [], lastQuestion: "", open: false };
  }

  /** The stored conversation, or null; anything malformed is ignored rather than trusted. */
  function loadState() {
    var raw;
    try {
      raw = window.sessionStorage.getItem(STORE_KEY);
    } catch (e) {
      return null;
    }
    if (!raw) {
      return null;
    }
    try {
      var data = JSON.parse(raw);
      if (!data || data.v !== 1 || !Array.isArray(data.entries)) {
        return null;
      }
      var s = freshState(LANGS.indexOf(data.lang) >= 0 ? data.lang : INITIAL_LANG);
      s.session = typeof data.session === "string" ? data.session : null;
      s.lastQuestion = typeof data.lastQuestion === "string" ? data.lastQuestion : "";
      s.open = data.open === true;
      s.entries = data.entries.filter(function (e) {
        return e && (e.role === "user" || e.role === "bot") && typeof e.text === "string";
      });
      s.entries.forEach(function (e) {
        if (e.feedback !== "up" && e.feedback !== "down") {
          e.feedback = null; // a vote cut short by a reload can be given again
        }
      });
      return s;
    } catch (e) {
      return null;
    }
  }

  function save() {
    if (!interacted) {
      return;
    }
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or disabled: the conversation simply does not survive a reload */
    }
  }

  function t(key) {
    if (!strings) {
      return "";
    }
    var table = strings[state.lang] || strings.fr || {};
    return table[key] || (strings.fr && strings.fr[key]) || "";
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function button(className, text, onClick) {
    var b = el("button", className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function thumbIcon(down) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", THUMB_PATH);
    if (down) {
      path.setAttribute("transform", "rotate(180 12 12)");
    }
    svg.appendChild(path);
    return svg;
  }

  function safeHttpUrl(url) {
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) {
      return null;
    }
    try {
      var parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(label, url) {
    var a = el("a", "", label);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(el("span", "sr-only", " " + t("widget_new_tab")));
    return a;
  }

  // ---------------------------------------------------------------- safe markdown

  /** [text](target): http(s) becomes a link, kb:article a button asking for that article,
   *  anything else (javascript:, data:, relative) only its text. */
  function renderLink(label, target) {
    var url = safeHttpUrl(target);
    if (url) {
      return externalLink(label, url);
    }
    var kb = /^kb:([a-z0-9]+(?:-[a-z0-9]+)*)$/.exec(target);
    if (kb) {
      return button("kb-link", label, function () {
        send('/choose_article{"kb_article":"' + kb[1] + '"}', label, false);
      });
    }
    return document.createTextNode(label);
  }

  /** How a bot message may be rendered: `links` only for knowledge answers (whose text comes
   *  from the curated articles); `typed` what the user typed, lower-cased, so that markdown
   *  echoed from it (a name "[texte](https://evil.example)" or "**x**") shows as plain text. */
  function renderContext(payload) {
    var type = payload && typeof payload.type === "string" ? payload.type : "";
    return {
      links: type.indexOf("kb_") === 0,
      typed: state.entries.filter(function (e) { return e.role === "user"; })
        .map(function (e) { return String(e.text).toLowerCase(); })
    };
  }

  var AUTHORED = { links: true, typed: [] }; // the widget's own sentences

  function typedByUser(raw, ctx) {
    var lower = raw.toLowerCase();
    return ctx.typed.some(function (text) { return text.indexOf(lower) >= 0; });
  }

  function renderInline(text, into, ctx) {
    var pattern = /\*\*([^*]+?)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) {
        into.appendChild(document.createTextNode(text.slice(last, match.index)));
      }
      if (typedByUser(match[0], ctx)) {
        into.appendChild(document.createTextNode(match[0]));
      } else if (match[1] !== undefined) {
        var strong = el("strong");
        renderInline(match[1], strong, ctx);
        into.appendChild(strong);
      } else if (ctx.links) {
        into.appendChild(renderLink(match[2], match[3]));
      } else {
        into.appendChild(document.createTextNode(match[0]));
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) {
      into.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  /** Paragraphs (blank-line separated), bullet and numbered lists, bold and links. */
  function renderMarkdown(text, into, ctx) {
    ctx = ctx || AUTHORED;
    var bullet = /^\s*[-*\u2022]\s+/;
    var numbered = /^\s*\d+[.)]\s+/;
    String(text).replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/).forEach(function (block) {
      var lines = block.split("\n").filter(function (l) { return l.trim() !== ""; });
      var i = 0;
      while (i < lines.length) {
        var kind = bullet.test(lines[i]) ? "ul" : numbered.test(lines[i]) ? "ol" : "p";
        var node = el(kind);
        var first = true;
        while (i < lines.length) {
          var lineKind = bullet.test(lines[i]) ? "ul" : numbered.test(lines[i]) ? "ol" : "p";
          if (lineKind !== kind) {
            break;
          }
          if (kind === "p") {
            if (!first) {
              node.appendChild(el("br"));
            }
            renderInline(lines[i].trim(), node, ctx);
          } else {
            var li = el("li");
            renderInline(lines[i].replace(kind === "ul" ? bullet : numbered, ""), li, ctx);
            node.appendChild(li);
          }
          first = false;
          i += 1;
        }
        into.appendChild(node);
      }
    });
  }

  /** Plain text of a markdown message, for the live region. */
  function plainText(text) {
    return String(text).replace(/\*\*([^*]+?)\*\*/g, "$1")
      .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, "$1").replace(/\s+/g, " ").trim();
  }

  // ---------------------------------------------------------------- building the widget

  function build() {
    var host = el("div");
    host.id = "awex-advisor";
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: "open" });

    var css = el("link");
    css.rel = "stylesheet";
    css.href = ORIGIN + "/static/widget.css";
    root.appendChild(css);

    var wrap = el("div", "awex");
    wrap.hidden = true; // shown once the stylesheet is in, so it never flashes unstyled
    css.addEventListener("load", function () { wrap.hidden = false; });
    css.addEventListener("error", function () { wrap.hidden = false; });
    root.appendChild(wrap);

    ui.launcher = button("launcher", "", function () { setOpen(true); });
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.setAttribute("aria-controls", "awex-panel");
    wrap.appendChild(ui.launcher);

    ui.panel = el("section", "panel");
    ui.panel.id = "awex-panel";
    ui.panel.setAttribute("aria-labelledby", "awex-title");
    ui.panel.hidden = true;
    wrap.appendChild(ui.panel);

    var header = el("header", "head");
    var titles = el("div", "titles");
    ui.title = el("h2", "title");
    ui.title.id = "awex-title";
    ui.subtitle = el("p", "subtitle");
    titles.appendChild(ui.title);
    titles.appendChild(ui.subtitle);
    ui.close = button("icon close", "\u00d7", function () { setOpen(false); });
    var top = el("div", "head-top");
    top.appendChild(titles);
    top.appendChild(ui.close);
    header.appendChild(top);
    var tools = el("div", "tools");
    ui.advisor = button("tool advisor", "", function () {
      send("/request_advisor", t("widget_advisor"), false);
    });
    ui.reset = button("tool reset", "", reset);
    tools.appendChild(ui.advisor);
    tools.appendChild(ui.reset);
    header.appendChild(tools);
    ui.panel.appendChild(header);

    ui.log = el("div", "log");
    ui.log.tabIndex = 0; // scrollable region reachable by keyboard
    ui.panel.appendChild(ui.log);

    ui.error = el("p", "error");
    ui.error.setAttribute("role", "alert");
    ui.error.hidden = true;
    ui.panel.appendChild(ui.error);

    ui.form = el("form", "composer");
    ui.inputLabel = el("label", "sr-only");
    ui.inputLabel.htmlFor = "awex-input";
    ui.input = el("input", "input");
    ui.input.id = "awex-input";
    ui.input.type = "text";
    ui.input.maxLength = MAX_CHARS;
    ui.input.autocomplete = "off";
    ui.send = el("button", "send");
    ui.send.type = "submit";
    ui.form.appendChild(ui.inputLabel);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(ui.input.value, null, true);
    });
    ui.panel.appendChild(ui.form);

    ui.live = el("div", "sr-only");
    ui.live.setAttribute("aria-live", "polite");
    ui.live.setAttribute("data-role", "live");
    wrap.appendChild(ui.live);

    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        setOpen(false);
      }
    });
    applyStrings();
    render();
    setOpen(state.open, true);
  }

  function applyStrings() {
    ui.panel.lang = state.lang;
    ui.launcher.lang = state.lang;
    ui.launcher.textContent = t("widget_launcher");
    ui.title.textContent = t("widget_title");
    ui.subtitle.textContent = t("widget_subtitle");
    ui.close.setAttribute("aria-label", t("widget_close"));
    ui.close.title = t("widget_close");
    ui.advisor.textContent = t("widget_advisor");
    ui.reset.textContent = t("widget_reset");
    ui.inputLabel.textContent = t("widget_input_label");
    ui.input.placeholder = t("widget_placeholder");
    ui.send.textContent = t("widget_send");
  }

  function setOpen(open, initial) {
    state.open = open;
    ui.panel.hidden = !open;
    ui.launcher.hidden = open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (!initial) {
      save();
      if (open) {
        ui.input.focus();
        scrollToEnd();
      } else {
        ui.launcher.focus();
      }
    }
  }

  // ---------------------------------------------------------------- rendering

  function render() {
    var log = ui.log;
    log.textContent = "";

    var notice = el("p", "privacy");
    notice.appendChild(document.createTextNode(t("widget_privacy") + " "));
    var privacy = externalLink(t("widget_privacy_link"), ORIGIN + "/privacy?lang=" + state.lang);
    notice.appendChild(privacy);
    log.appendChild(notice);

    var opening = el("div", "msg bot opening");
    opening.appendChild(el("span", "sr-only", t("widget_bot") + " : "));
    var body = el("div", "body");
    renderMarkdown(t("widget_welcome"), body);
    opening.appendChild(body);
    log.appendChild(opening);
    if (!state.entries.length) {
      log.appendChild(quickReplies([1, 2, 3].map(function (n) {
        var question = t("widget_suggestion_" + n);
        return { title: question, payload: question };
      }), "suggestions"));
    }

    // Every message of the bot's last turn keeps its own buttons (an orientation answer's
    // sections and related articles, then the readiness-check offer); earlier turns' buttons
    // are gone, as the server no longer accepts them.
    var lastUser = -1;
    state.entries.forEach(function (entry, i) {
      if (entry.role === "user") {
        lastUser = i;
      }
    });
    state.entries.forEach(function (entry, i) {
      log.appendChild(entry.role === "user" ? renderUser(entry) : renderBot(entry));
      if (i > lastUser && !busy && Array.isArray(entry.buttons) && entry.buttons.length) {
        log.appendChild(quickReplies(entry.buttons, "quick-replies"));
      }
    });

    if (busy) {
      var typing = el("div", "msg bot typing");
      typing.setAttribute("role", "status");
      typing.appendChild(el("span", "sr-only", t("widget_typing")));
      var dots = el("span", "dots");
      dots.setAttribute("aria-hidden", "true");
      dots.appendChild(el("span"));
      dots.appendChild(el("span"));
      dots.appendChild(el("span"));
      typing.appendChild(dots);
      log.appendChild(typing);
    }
    ui.send.disabled = busy;
    scrollToEnd();
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function renderUser(entry) {
    var node = el("div", "msg user");
    node.appendChild(el("span", "sr-only", t("widget_you") + " : "));
    node.appendChild(el("p", "body", entry.text));
    return node;
  }

  function renderBot(entry) {
    var node = el("div", "msg bot");
    node.appendChild(el("span", "sr-only", t("widget_bot") + " : "));
    var body = el("div", "body");
    var payload = entry.payload && typeof entry.payload === "object" ? entry.payload : null;
    renderMarkdown(entry.text, body, renderContext(payload));
    node.appendChild(body);
    // The answer's text already cites its first source; list only the other ones.
    var extraSources = payload && Array.isArray(payload.sources) ? payload.sources.filter(function (source) {
      return source && typeof source === "object" && String(entry.text || "").indexOf(String(source.url)) === -1;
    }) : [];
    if (extraSources.length) {
      var sources = el("div", "sources");
      sources.appendChild(el("span", "sources-label", t("widget_sources")));
      var list = el("ul");
      extraSources.forEach(function (source) {
        var title = String(source.title || source.url || "");
        var url = safeHttpUrl(source.url);
        var li = el("li");
        li.appendChild(url ? externalLink(title, url) : document.createTextNode(title));
        if (source.date) {
          li.appendChild(document.createTextNode(" (" + String(source.date) + ")"));
        }
        list.appendChild(li);
      });
      sources.appendChild(list);
      node.appendChild(sources);
    }
    if (payload && payload.type === "kb_answer") {
      node.appendChild(renderFeedback(entry));
    }
    return node;
  }

  function renderFeedback(entry) {
    var box = el("div", "feedback");
    if (entry.feedback === "up" || entry.feedback === "down") {
      box.appendChild(el("p", "thanks", t("widget_feedback_thanks")));
      return box;
    }
    var group = el("div", "thumbs");
    group.setAttribute("role", "group");
    var label = el("span", "feedback-label", t("widget_feedback_question"));
    box.appendChild(label);
    var up = button("thumb up", "", function () { sendFeedback(entry, true); });
    var down = button("thumb down", "", function () { sendFeedback(entry, false); });
    up.appendChild(thumbIcon(false));
    down.appendChild(thumbIcon(true));
    up.setAttribute("aria-label", t("widget_feedback_up"));
    up.title = t("widget_feedback_up");
    down.setAttribute("aria-label", t("widget_feedback_down"));
    down.title = t("widget_feedback_down");
    up.disabled = down.disabled = entry.feedback === "sending";
    group.setAttribute("aria-label", t("widget_feedback_question"));
    group.appendChild(up);
    group.appendChild(down);
    box.appendChild(group);
    return box;
  }

  // An answer's buttons: other sections of its article, then related articles; each group
  // gets a label so that a question of the same article and another topic look different.
  var SECTION_PAYLOAD = /^\/choose_article\{.*"kb_section"/;
  var ARTICLE_PAYLOAD = /^\/choose_article\{/;

  function quickReplies(buttons, className) {
    var box = el("div", "replies " + className);
    var valid = buttons.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    });
    var sections = valid.filter(function (b) { return SECTION_PAYLOAD.test(b.payload); });
    var articles = valid.filter(function (b) {
      return ARTICLE_PAYLOAD.test(b.payload) && !SECTION_PAYLOAD.test(b.payload);
    });
    var others = valid.filter(function (b) { return !ARTICLE_PAYLOAD.test(b.payload); });
    function add(group, label) {
      if (label && group.length) {
        box.appendChild(el("p", "replies-label", label));
      }
      group.forEach(function (b) {
        box.appendChild(button("reply", b.title, function () { send(b.payload, b.title, false); }));
      });
    }
    add(others, null);
    // Without section buttons the article buttons are the choice itself (clarification,
    // suggestions after a declined question): no label then.
    add(sections, t("widget_more_sections"));
    add(articles, sections.length ? t("widget_related") : null);
    return box;
  }

  function announce(text) {
    // Replacing the content of the polite live region makes screen readers read it once.
    ui.live.textContent = "";
    window.setTimeout(function () { ui.live.textContent = text; }, 50);
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  // ---------------------------------------------------------------- talking to the server

  function postJson(path, body) {
    return window.fetch(ORIGIN + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  /** Send a message (typed text, or a button payload shown as its title). */
  function send(message, shown, fromInput) {
    message = String(message || "").trim();
    if (busy || !message) {
      return;
    }
    if (message.length > MAX_CHARS) {
      showError(t("error_too_long"));
      return;
    }
    interacted = true;
    var mine = generation;
    var previousQuestion = state.lastQuestion;
    if (message.charAt(0) !== "/") {
      state.lastQuestion = message;
    }
    var entry = { role: "user", text: shown || message };
    state.entries.push(entry);
    if (fromInput) {
      ui.input.value = "";
    }
    showError("");
    busy = true;
    render();
    save();

    var body = { message: message, lang: state.lang };
    if (state.session) {
      body.session = state.session;
    }
    postJson("/api/chat", body).then(function (reply) {
      if (mine !== generation) {
        return;
      }
      if (!reply.ok || !reply.data || !Array.isArray(reply.data.messages)) {
        throw reply;
      }
      if (typeof reply.data.session === "string") {
        state.session = reply.data.session;
      }
      var spoken = [];
      reply.data.messages.forEach(function (m) {
        if (!m || (typeof m.text !== "string" && !m.payload)) {
          return;
        }
        var payload = m.payload && typeof m.payload === "object" ? m.payload : null;
        state.entries.push({
          role: "bot",
          text: typeof m.text === "string" ? m.text : "",
          buttons: Array.isArray(m.buttons) ? m.buttons : [],
          payload: payload,
          question: state.lastQuestion,
          feedback: null
        });
        if (payload && LANGS.indexOf(payload.language) >= 0 && payload.language !== state.lang) {
          state.lang = payload.language; // answer in the conversation's language
          applyStrings();
        }
        if (typeof m.text === "string") {
          spoken.push(plainText(m.text));
        }
      });
      announce(spoken.join(" "));
    }).catch(function (failure) {
      if (mine !== generation) {
        return;
      }
      // Nothing is lost: the message goes back into the input, the bubble goes away.
      var index = state.entries.indexOf(entry);
      if (index >= 0) {
        state.entries.splice(index, 1);
      }
      state.lastQuestion = previousQuestion;
      if (fromInput && !ui.input.value) {
        ui.input.value = message;
      }
      var server = failure && failure.data && typeof failure.data.message === "string"
        ? failure.data.message : "";
      var status = failure && failure.status;
      showError(status && status !== 503 && server ? server : t("error_unavailable"));
    }).then(function () {
      if (mine !== generation) {
        return;
      }
      busy = false;
      render();
      save();
      if (fromInput || !ui.panel.contains(document.activeElement)) {
        ui.input.focus();
      }
    });
  }

  function sendFeedback(entry, helpful) {
    if (!state.session || entry.feedback) {
      return;
    }
    entry.feedback = "sending";
    render();
    var payload = entry.payload || {};
    var sources = (Array.isArray(payload.sources) ? payload.sources : []).slice(0, 10)
      .filter(function (s) { return s && typeof s === "object"; })
      .map(function (s) {
        return { id: String(s.id || ""), title: String(s.title || ""), url: String(s.url || "") };
      });
    postJson("/api/feedback", {
      session: state.session,
      helpful: helpful,
      question: String(entry.question || "").slice(0, 2000),
      answer: String(entry.text || "").slice(0, 5000),
      sources: sources,
      lang: state.lang
    }).then(function (reply) {
      if (!reply.ok) {
        throw reply;
      }
      entry.feedback = helpful ? "up" : "down";
      showError("");
      announce(t("widget_feedback_thanks"));
    }).catch(function (failure) {
      entry.feedback = null;
      var server = failure && failure.data && typeof failure.data.message === "string"
        ? failure.data.message : "";
      showError(server || t("error_storage"));
    }).then(function () {
      render();
      save();
      ui.input.focus();
    });
  }

  function reset() {
    generation += 1;
    busy = false;
    state = freshState(state.lang);
    state.open = true;
    interacted = false;
    try {
      window.sessionStorage.removeItem(STORE_KEY);
    } catch (e) {
      /* nothing stored */
    }
    ui.input.value = "";
    showError("");
    render();
    announce(t("widget_reset_done"));
    ui.input.focus();
  }

  // ---------------------------------------------------------------- start

  function start(attempt) {
    window.fetch(ORIGIN + "/api/ui-strings", { credentials: "omit" }).then(function (r) {
      if (!r.ok) {
        throw new Error("ui strings: HTTP " + r.status);
      }
      return r.json();
    }).then(function (data) {
      strings = data;
      build();
    }).catch(function (error) {
      // Without its sentences the widget cannot speak; try again a few times, quietly.
      if (attempt < 4) {
        window.setTimeout(function () { start(attempt + 1); }, 2000 * (attempt + 1));
      } else if (window.console) {
        window.console.warn("Awex advisor unavailable:", error);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(0); });
  } else {
    start(0);
  }
})();
