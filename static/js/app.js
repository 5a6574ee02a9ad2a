// Small behaviours; no inline scripts anywhere (the CSP forbids them).
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("messages");
  if (!box) return;
  var alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = event.detail.xhr.status === 403
    ? "Your role does not allow this."
    : "That did not work. Nothing was saved; please try again.";
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

  function update(field, counter) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var count = field.value.length;
    var over = count - limit;
    counter.hidden = count < limit * NEAR;
    counter.classList.toggle("over", over > 0);
    counter.textContent = over > 0
      ? words("data-chars-over", { over: over, limit: limit })
      : words("data-chars-count", { count: count, limit: limit });
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
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? described + " " + counter.id : counter.id);
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
