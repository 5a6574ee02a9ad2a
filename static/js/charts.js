// Bar charts (tier reviews, learning and lead reports). No inline scripts (the CSP forbids
// them): each <canvas data-chart-source="ID"> names a <script type="application/json" id="ID">
// data block written by Django's json_script, with labels and either one series (label, values,
// bar colours) or several ("datasets": [{label, values, color}], with "stacked" to stack them).
(function () {
  function datasets(data) {
    if (!data.datasets) {
      return [{ label: data.label, data: data.values, backgroundColor: data.colors }];
    }
    return data.datasets.map(function (set) {
      return { label: set.label, data: set.values, backgroundColor: set.color };
    });
  }
  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) return;
      var source = document.getElementById(canvas.getAttribute("data-chart-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var stacked = Boolean(data.stacked);
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: data.labels, datasets: datasets(data) },
        options: {
          animation: false,
          plugins: { legend: { display: Boolean(data.datasets) } },
          scales: {
            x: { stacked: stacked },
            y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
          },
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // htmx swaps in a fresh distribution after a decision (an out-of-band swap).
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
})();
