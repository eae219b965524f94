/*
 * MkbChat: starts the rasa-webchat widget (web/vendor/) with Dutch texts and the project's defaults,
 * and marks "Bron: ..." messages so webchat.css can style them. Used by the bot's own page
 * (page.js) and by the embed snippet for an owner's website (docs/webchat.md).
 *
 *   MkbChat.start({ socketUrl: "https://chat.example.nl" }, element?)
 *
 * Every rasa-webchat option may be passed and wins over the defaults below.
 */
(function (window, document) {
  "use strict";

  var SOURCE_PREFIX = "Bron:";
  var SOURCE_CLASS = "mkb-bron";

  var DEFAULTS = {
    socketPath: "/socket.io/",
    title: "MKB-techniekadviseur",
    subtitle: "Nieuwe techniek invoeren, met je mensen",
    inputTextFieldHint: "Typ je bericht…",
    connectingText: "Verbinden met de adviseur…",
    initPayload: "/greet",
    customData: { language: "nl" },
    hideWhenNotConnected: false,
    showCloseButton: true,
    showFullScreenButton: false,
    displayUnreadCount: false,
    showMessageDate: false,
    // "local": the conversation (and its session id) survives a reload and a closed tab, until
    // "Nieuw gesprek" or the browser's site data are cleared.
    params: { storage: "local" },
    customMessageDelay: function (message) {
      // A short, length-dependent pause so several bubbles do not arrive as one block.
      var delay = (message || "").length * 8;
      return Math.max(250, Math.min(delay, 900));
    }
  };

  function merge(target, source) {
    Object.keys(source || {}).forEach(function (key) {
      target[key] = source[key];
    });
    return target;
  }

  /** Dutch names for the widget's unlabeled controls (screen readers). */
  function labelControls(root) {
    var labels = [[".rw-send", "Versturen"], [".rw-new-message", "Je bericht"], [".rw-launcher", "Chat openen of sluiten"]];
    labels.forEach(function (pair) {
      var found = root.querySelectorAll(pair[0]);
      for (var i = 0; i < found.length; i++) {
        if (found[i].getAttribute("aria-label") !== pair[1]) {
          found[i].setAttribute("aria-label", pair[1]);
        }
      }
    });
  }

  /** Adds SOURCE_CLASS to every message bubble whose text starts with "Bron:". */
  function markSources(root) {
    var texts = root.querySelectorAll(".rw-message .rw-response");
    for (var i = 0; i < texts.length; i++) {
      var bubble = texts[i];
      var message = bubble.closest(".rw-message");
      var isSource = (bubble.textContent || "").trim().indexOf(SOURCE_PREFIX) === 0;
      if (message && isSource && !message.classList.contains(SOURCE_CLASS)) {
        message.classList.add(SOURCE_CLASS);
        bubble.setAttribute("aria-label", "Bron van het vorige antwoord");
      }
    }
  }

  function watchSources(root) {
    markSources(root);
    labelControls(root);
    if (!window.MutationObserver) {
      return null;
    }
    var pending = false;
    var observer = new MutationObserver(function () {
      if (pending) {
        return;
      }
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        markSources(root);
        labelControls(root);
      });
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    return observer;
  }

  /** Forgets the stored conversation in this browser; the next page load starts a new one. */
  function forget(storage) {
    var store = storage === "session" ? window.sessionStorage : window.localStorage;
    try {
      store.removeItem("chat_session");
    } catch (e) {
      /* storage unavailable: nothing stored either */
    }
  }

  function start(options, element) {
    if (!window.WebChat || typeof window.WebChat.default !== "function") {
      throw new Error("rasa-webchat is niet geladen (vendor/rasa-webchat-1.0.1/index.js)");
    }
    var settings = merge(merge({}, DEFAULTS), options || {});
    if (!settings.socketUrl) {
      settings.socketUrl = window.location.origin;
    }
    window.WebChat.default(settings, element || null);
    var root = element || document.body;
    return { observer: watchSources(root), settings: settings };
  }

  window.MkbChat = {
    start: start,
    forget: forget,
    markSources: markSources,
    defaults: DEFAULTS
  };
})(window, document);
