// The chatbot on another website, with one tag:
//   <script src="https://portal.example/static/chat-widget.js" data-label="Ask a question" defer></script>
// It adds a button that opens a panel holding the portal's /chat/embed page in a frame, so
// the conversation runs on the portal's origin under its own security policy. The portal must
// list this site's origin in NIGHTSHIFT_CHAT_EMBED_ORIGINS, or browsers refuse the frame.
// Optional: data-title (the frame's title), data-position ("left" or "right", default right).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__nightshiftChatWidget) return;
  window.__nightshiftChatWidget = true;
  var base = new URL(script.src, document.baseURI).origin;
  var label = script.getAttribute("data-label") || "Ask a question";
  var title = script.getAttribute("data-title") || "Chat with the Local Offer";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  function css(node, styles) {
    for (var k in styles) node.style[k] = styles[k];
  }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "nightshift-chat-panel");
  css(button, { position: "fixed", bottom: "1rem", zIndex: "2147483000", padding: ".7rem 1.1rem",
    font: "600 16px/1.2 system-ui, sans-serif", color: "#fff", background: "#1d4f91", border: "0",
    borderRadius: "2rem", boxShadow: "0 2px 8px rgba(0,0,0,.3)", cursor: "pointer" });
  button.style[side] = "1rem";

  var panel = document.createElement("div");
  panel.id = "nightshift-chat-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  panel.hidden = true;
  css(panel, { position: "fixed", bottom: "4.5rem", width: "min(24rem, calc(100vw - 2rem))",
    height: "min(34rem, calc(100vh - 6rem))", zIndex: "2147483000", background: "#fff",
    border: "1px solid #d0d4d8", borderRadius: "10px", boxShadow: "0 4px 16px rgba(0,0,0,.3)", overflow: "hidden" });
  panel.style[side] = "1rem";

  var frame = null;  // made at the first opening: nothing is fetched until someone asks
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = base + "/chat/embed";
      frame.title = title;
      css(frame, { width: "100%", height: "100%", border: "0" });
      panel.appendChild(frame);
    }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }
  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
  }
  button.addEventListener("click", function () { panel.hidden ? open() : close(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { close(); button.focus(); }
  });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(button);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
