// The Space page's side of SET_SCROLLING, the message Gradio's sign-in button posts to its
// parent ({type: "SET_SCROLLING", enabled: true}) before it takes the frame to the provider, so
// that huggingface.co lets the consent page scroll inside the frame. Only the Space's own frame,
// on the Space's own origin, may switch it: any other window or origin is ignored.
(() => {
  const frame = document.getElementById("space-frame");
  const spaceOrigin = new URL(frame.src).origin;

  addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow || event.origin !== spaceOrigin) return;
    const data = event.data;
    if (!data || data.type !== "SET_SCROLLING" || typeof data.enabled !== "boolean") return;
    frame.dataset.scrolling = String(data.enabled);
    // "yes" keeps the frame scrollable whatever its content says; without the attribute the
    // browser default applies (scroll when the content overflows).
    if (data.enabled) frame.setAttribute("scrolling", "yes");
    else frame.removeAttribute("scrolling");
  });
})();
