// Draws one chart per site on the outcomes page from the JSON the page passes with json_script.
// Loaded as a file: the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  function draw() {
    const source = document.getElementById("outcome-charts");
    if (!source || typeof Chart === "undefined") { return; }
    const charts = JSON.parse(source.textContent);
    charts.forEach(function (c) {
      const canvas = document.getElementById(c.id);
      if (!canvas) { return; }
      const labels = ["This clinic (IQR)", "Expected range"];
      const ranges = [c.clinic, c.expected[0] === null ? null : c.expected];
      canvas.dataset.rendered = "0";
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: labels,
          datasets: [
            { type: "bar", label: "Days to return to sport", data: ranges, backgroundColor: ["#0d6efd", "#adb5bd"] },
            { type: "scatter", label: "Median / mean", data: [{ x: labels[0], y: c.median }, { x: labels[1], y: c.expected_mean }], backgroundColor: "#000", pointRadius: 5 }
          ]
        },
        options: { indexAxis: "x", animation: { onComplete: function () { canvas.dataset.rendered = "1"; } },  plugins: { legend: { display: true } }, scales: { y: { beginAtZero: true, title: { display: true, text: "days from diagnosis" } } } }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
