// The account pages' small behaviours: a button marked data-copy="<element id>" copies that
// element's text (the authenticator secret, the recovery codes) and says so.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  var text = (source.value !== undefined ? source.value : source.innerText).trim();
  navigator.clipboard.writeText(text).then(function () {
    var done = button.getAttribute("data-copied");
    if (done) {
      var status = document.getElementById(button.getAttribute("aria-describedby"));
      if (status) status.textContent = done;
    }
  });
});
