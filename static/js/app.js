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
