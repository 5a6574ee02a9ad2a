// The SCORM 1.2 player: scorm-again's runtime as window.API for the package framed below, loaded
// with what the learner saved last time, committing to the server on LMSCommit and LMSFinish.
// No inline script (CSP): the page passes everything through data- attributes and json_script.
(function () {
  "use strict";

  var player = document.getElementById("scorm-player");
  if (!player) return;
  var errorBox = document.getElementById("scorm-error");

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  if (typeof window.Scorm12API !== "function") {
    showError(player.getAttribute("data-missing-runtime"));
    return;
  }

  function csrfToken() {
    // The layout puts the token in <body hx-headers> for htmx; the same one serves here.
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  // What the server says of the lesson after a commit: the badge, the score, the course.
  function showState(state) {
    if (!state || !state.ok) return;
    errorBox.hidden = true;
    var status = document.getElementById("scorm-status");
    status.textContent = state.status_label;
    status.className = "badge " + (state.completed ? "text-bg-success" : "text-bg-secondary");
    var score = document.getElementById("scorm-score");
    if (state.score !== null && state.score !== undefined) {
      document.getElementById("scorm-score-value").textContent = state.score;
      score.hidden = false;
    }
    document.getElementById("scorm-course-done").hidden = !state.course_completed;
  }

  function answer(status, text) {
    var body = null;
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = null;
    }
    if (status >= 200 && status < 300 && body && body.ok) {
      showState(body);
      return { result: "true", errorCode: 0 };
    }
    showError((body && body.message) || player.getAttribute("data-failed-message"));
    return { result: "false", errorCode: 101 };
  }

  // Commits go out as JSON with the CSRF header. scorm-again's own synchronous service sends the
  // terminating commit with sendBeacon, which can carry no header (Django refuses it): this one
  // sends every commit as a synchronous request the package waits for, except while the page is
  // going away, when a keepalive fetch (headers allowed) outlives it.
  var httpService = {
    processHttpRequest: function (url, params) {
      var body = JSON.stringify(params);
      var headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
      if (document.visibilityState === "hidden" && window.fetch) {
        window.fetch(url, { method: "POST", headers: headers, body: body, keepalive: true, credentials: "same-origin" });
        return { result: "true", errorCode: 0 };
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url, false);
      Object.keys(headers).forEach(function (name) {
        xhr.setRequestHeader(name, headers[name]);
      });
      try {
        xhr.send(body);
      } catch (e) {
        showError(player.getAttribute("data-failed-message"));
        return { result: "false", errorCode: 101 };
      }
      return answer(xhr.status, xhr.responseText);
    },
    updateSettings: function () {},
  };

  var api = new window.Scorm12API(
    {
      lmsCommitUrl: player.getAttribute("data-commit-url"),
      dataCommitFormat: "json",
      autocommit: true,
      autocommitSeconds: 30,
      selfReportSessionTime: true,
      logLevel: 4,
    },
    httpService
  );
  var saved = document.getElementById(player.getAttribute("data-cmi-id"));
  if (saved) {
    api.loadFromJSON(JSON.parse(saved.textContent));
  }
  window.API = api;

  // Leaving the page with the package still running: save what it has so far.
  window.addEventListener("pagehide", function () {
    if (api.isInitialized && api.isInitialized() && !(api.isTerminated && api.isTerminated())) {
      api.LMSCommit("");
    }
  });

  // The package is framed only once window.API exists: it looks for it as it loads. Same origin
  // (our file view), so it finds window.parent.API.
  var frame = document.createElement("iframe");
  frame.id = "scorm-frame";
  frame.className = "w-100 border rounded scorm-frame";
  frame.style.minHeight = "70vh";
  frame.title = player.getAttribute("data-frame-title");
  frame.src = player.getAttribute("data-launch-url");
  player.appendChild(frame);
})();
