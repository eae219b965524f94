/* The bot's own chat page (/webhooks/web/): the widget embedded full-size, on the bot's own origin. */
(function (window, document) {
  "use strict";
  var chat = document.getElementById("chat");
  window.MkbChat.start({ embedded: true, showCloseButton: false, socketUrl: window.location.origin }, chat);

  var restart = document.getElementById("mkb-new-conversation");
  if (restart) {
    restart.addEventListener("click", function () {
      if (window.confirm("Het gesprek in deze browser wissen en opnieuw beginnen?")) {
        window.MkbChat.forget("local");
        window.location.reload();
      }
    });
  }
})(window, document);
