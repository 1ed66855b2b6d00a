// The chat page (and the widget's frame) as a chat: questions go to the JSON API and the
// answers join the conversation without reloading the page. Without this script the form
// posts and the server renders the same conversation.
(function () {
  "use strict";
  var form = document.querySelector("form.chat-form");
  if (!form || !window.fetch) return;
  var log = document.querySelector("ol.chat-log");
  var input = form.querySelector("input[name=q]");
  var button = form.querySelector("button[type=submit]");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function when(updated) {
    var d = new Date(updated + "T12:00:00");
    if (isNaN(d)) return updated;
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
  }

  function showError(message) {
    var old = document.querySelector(".chat-error");
    if (old) old.remove();
    var p = el("p", "chat-error", message);
    p.setAttribute("role", "alert");
    form.parentNode.insertBefore(p, form);
  }

  function showAnswer(item, a) {
    item.textContent = "";
    item.classList.remove("chat-thinking");
    if (!a.answered) item.classList.add("chat-declined");
    item.appendChild(el("p", "chat-answer", a.answer));
    if (a.title) {
      var source = el("p", "chat-source", a.answered ? "From: " : "Contact: ");
      if (/^https?:\/\//.test(a.url || "")) {
        var link = el("a", "", a.title);
        link.href = a.url;
        link.target = "_top";
        link.rel = "noopener";
        source.appendChild(link);
      } else {
        source.appendChild(document.createTextNode(a.title));
      }
      if (a.updated) source.appendChild(el("span", "chat-updated", " (page updated " + when(a.updated) + ")"));
      item.appendChild(source);
    }
  }

  form.addEventListener("submit", function (event) {
    var question = input.value.trim();
    if (!question) return;  // the browser's own "fill in this field"
    event.preventDefault();
    var old = document.querySelector(".chat-error");
    if (old) old.remove();
    var you = el("li", "chat-you");
    you.appendChild(el("span", "chat-who", "You asked: "));
    you.appendChild(document.createTextNode(question));
    log.appendChild(you);
    var bot = el("li", "chat-bot chat-thinking", "Looking through the pages…");
    log.appendChild(bot);
    input.value = "";
    button.disabled = true;
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ q: question }),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (r) {
      if (!r.ok) {
        bot.remove();
        you.remove();
        input.value = question;
        showError(r.body.error || "Sorry, something went wrong: please try again.");
      } else {
        showAnswer(bot, r.body);
      }
    }).catch(function () {
      bot.remove();
      you.remove();
      input.value = question;
      showError("Sorry, the chatbot could not be reached: check your connection and try again.");
    }).then(function () {
      button.disabled = false;
      input.focus();
      bot.scrollIntoView && bot.scrollIntoView({ block: "nearest" });
    });
  });
})();
