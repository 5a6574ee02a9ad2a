// Bar charts of the tier distribution (tier reviews page). No inline scripts (the CSP forbids
// them): each <canvas data-chart-source="ID"> names a <script type="application/json" id="ID">
// data block written by Django's json_script, with labels, values and bar colours.
(function () {
  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) return;
      var source = document.getElementById(canvas.getAttribute("data-chart-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{ label: data.label, data: data.values, backgroundColor: data.colors }],
        },
        options: {
          animation: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // htmx swaps in a fresh distribution after a decision (an out-of-band swap).
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
})();
