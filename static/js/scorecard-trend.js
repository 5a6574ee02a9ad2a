// The trend of a scorecard's score (the portal's scorecard, a partner's drill-down in the back
// office). No inline scripts (the CSP forbids them): each <canvas data-trend-source="ID"> names a
// <script type="application/json" id="ID"> block written by Django's json_script, with "labels"
// (the months), "values" (the score of each, null for a month without one) and "label". The
// table next to the canvas has the same figures for those who do not see the chart.
(function () {
  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-trend-source]").forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) return;
      var source = document.getElementById(canvas.getAttribute("data-trend-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            {
              label: data.label,
              data: data.values,
              borderColor: "#0d6efd",
              backgroundColor: "rgba(13, 110, 253, 0.15)",
              fill: true,
              spanGaps: true,
              tension: 0.25,
              pointRadius: 3,
            },
          ],
        },
        options: {
          animation: false,
          plugins: { legend: { display: false } },
          scales: { y: { min: 0, max: 100, ticks: { stepSize: 20 } } },
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
})();
