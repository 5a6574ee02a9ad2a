// Small behaviours; no inline scripts anywhere (the CSP forbids them).
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("messages");
  if (!box) return;
  var alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  // the words come from the layout (<body data-htmx-forbidden, data-htmx-failed>), translated there
  alert.textContent = document.body.getAttribute(
    event.detail.xhr.status === 403 ? "data-htmx-forbidden" : "data-htmx-failed"
  );
  box.replaceChildren(alert);
});
// Forms marked data-confirm ask before they submit (deactivate, suspend, ...).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

// Over-long text is refused by the server with a message, never cut silently by the browser:
// maxlength becomes data-maxlength, and a counter appears near the limit. Its words come from
// the layout (<body data-chars-count, data-chars-over>), translated there.
(function () {
  var NEAR = 0.8;
  var MIN_LIMIT = 20; // a two-letter country code needs no counter

  function words(name, values) {
    var text = document.body.getAttribute(name) || "";
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }

  // The counter describes the field only while it shows: far from the limit it says nothing.
  function describe(field, id, on) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) ids.push(id);
    if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
    else field.removeAttribute("aria-describedby");
  }

  function update(field, counter) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var count = field.value.length;
    var over = count - limit;
    var near = count >= limit * NEAR;
    counter.hidden = !near;
    counter.classList.toggle("over", over > 0);
    counter.textContent = !near ? "" : over > 0
      ? words("data-chars-over", { over: over, limit: limit })
      : words("data-chars-count", { count: count, limit: limit });
    describe(field, counter.id, near);
  }

  function attach(field) {
    if (field.dataset.counted) return;
    field.dataset.counted = "1";
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!(limit >= MIN_LIMIT)) return;
    var counter = document.createElement("div");
    counter.className = "char-count";
    counter.id = (field.id || "field-" + Math.random().toString(36).slice(2)) + "_count";
    counter.setAttribute("aria-live", "polite");
    counter.hidden = true;
    field.insertAdjacentElement("afterend", counter);
    field.addEventListener("input", function () { update(field, counter); });
    update(field, counter);
  }

  function prepare(root) {
    root.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(function (field) {
      field.setAttribute("data-maxlength", field.getAttribute("maxlength"));
      field.removeAttribute("maxlength");
    });
    root.querySelectorAll("input[data-maxlength], textarea[data-maxlength]").forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:load", function (event) { prepare(event.detail.elt); });
})();

// A table wider than its box scrolls inside it (.table-responsive). Keyboard users must be able
// to reach that scroll: a box that scrolls becomes focusable, a named region (its table's
// caption or label, else the nearest heading before it). Checked again when the window resizes.
(function () {
  function nameOf(box) {
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var node = box;
    while (node && node !== document.body) {
      var sibling = node.previousElementSibling;
      while (sibling) {
        var heading = sibling.matches("h1,h2,h3,h4,h5,h6") ? sibling : sibling.querySelector("h1,h2,h3,h4,h5,h6");
        if (heading && heading.textContent.trim()) return heading.textContent.trim();
        sibling = sibling.previousElementSibling;
      }
      node = node.parentElement;
    }
    return document.title;
  }

  function mark(root) {
    (root || document).querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "1");
        if (!box.hasAttribute("role")) box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", nameOf(box));
        }
      } else if (!scrolls && box.getAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }

  var pending = null;
  document.addEventListener("DOMContentLoaded", function () { mark(document); });
  document.addEventListener("htmx:load", function (event) { mark(event.detail.elt.parentElement || document); });
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { mark(document); }, 150);
  });
})();
