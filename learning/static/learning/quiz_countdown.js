// The quiz page's countdown to the attempt's deadline (the server enforces it; this only tells).
// Reads #quiz-countdown's data-deadline (ISO 8601) and its translated sentences.
(function () {
  "use strict";

  function start() {
    var element = document.getElementById("quiz-countdown");
    if (!element) {
      return;
    }
    var deadline = Date.parse(element.dataset.deadline);
    if (isNaN(deadline)) {
      return;
    }
    var timer = null;
    function pad(number) {
      return number < 10 ? "0" + number : String(number);
    }
    function tick() {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      if (left === 0) {
        element.textContent = element.dataset.over;
        element.classList.add("text-danger");
        element.setAttribute("aria-live", "assertive");
        if (timer !== null) {
          window.clearInterval(timer);
        }
        return;
      }
      var hours = Math.floor(left / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      var time = (hours ? hours + ":" + pad(minutes) : String(minutes)) + ":" + pad(seconds);
      element.textContent = element.dataset.left.replace("%(time)s", time);
      if (left <= 60) {
        element.classList.add("text-danger");
      }
    }
    tick();
    timer = window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
