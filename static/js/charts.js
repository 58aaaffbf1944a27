// Builds the check-in charts from the JSON in the data-chart-json attribute of their container.
// Loaded as a file: the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  const COLOURS = { during: "#d63384", after: "#fd7e14", morning: "#6f42c1", run: "#0d6efd", prescribed: "#198754", swelling: "#dc3545", tender: "#6c757d", sleep: "#0dcaf0" };

  const FIRED = ["#dc3545", "#6f42c1", "#fd7e14", "#0d6efd"];

  function line(label, data, colour, extra) {
    return Object.assign({ type: "line", label, data, borderColor: colour, backgroundColor: colour, spanGaps: true, tension: 0.2, pointRadius: 2 }, extra || {});
  }
  // Days that are a flag's evidence stand out: larger, outlined points.
  function marked(dataset, highlight) {
    if (!highlight || !highlight.some(Boolean)) { return dataset; }
    dataset.pointRadius = highlight.map((h) => (h ? 7 : 2));
    dataset.pointBorderColor = highlight.map((h) => (h ? "#000" : dataset.borderColor));
    dataset.pointBorderWidth = highlight.map((h) => (h ? 2 : 1));
    return dataset;
  }
  // A zero is drawn (a sliver at the baseline), not left blank like a day without a check-in.
  function bar(label, data, colour) {
    return { type: "bar", label, data, backgroundColor: colour, minBarLength: 2 };
  }
  function short(labels) {
    return labels.map((d) => d.slice(5));
  }

  const builders = {
    pain: (d) => ({ datasets: [marked(line("During", d.pain_during, COLOURS.during), d.highlight), marked(line("After", d.pain_after, COLOURS.after), d.highlight), marked(line("Next morning", d.pain_next_morning, COLOURS.morning), d.highlight)], max: 10 }),
    load: (d) => ({ datasets: [bar("Running", d.run_minutes, COLOURS.run), bar("Walking", d.walk_minutes || [], COLOURS.sleep), bar("Cross-training", d.cross_training_minutes || [], COLOURS.tender), line("Running prescribed", d.prescribed_run_minutes, COLOURS.prescribed, { stepped: true })] }),
    steps: (d) => ({ datasets: [bar("Steps", d.steps, COLOURS.run)], wholeNumbers: true }),
    wellness: (d) => ({ datasets: [line("Resting HR (bpm)", d.resting_hr, COLOURS.after), line("HRV (ms)", d.hrv_ms, COLOURS.morning)], min: 20 }),
    signs: (d) => ({ datasets: [bar("Swelling", d.swelling, COLOURS.swelling), bar("Tenderness", d.tenderness, COLOURS.tender)], max: 3 }),
    // A flag's own chart: the answers its rule read (night pain when night pain fired).
    fired: (d) => ({ datasets: d.fired.series.map((s, i) => marked(s.bar ? bar(s.label, s.data, FIRED[i % FIRED.length]) : line(s.label, s.data, FIRED[i % FIRED.length]), d.highlight)), max: d.fired.max }),
    // People are counted in whole numbers: no 0.1 ticks on a clinic with three patients.
    // No patient in a kind of stage is no bar (a count of people, unlike a day's minutes).
    stages: (d) => ({ datasets: [Object.assign(bar("Patients", d.counts, COLOURS.run), { minBarLength: 0 })], wholeNumbers: true }),
    // Training load (the loads app's section): weekly volume, ACWR with its band, cadence, heart.
    weekly: (d) => ({ labels: d.week_labels, datasets: [bar("Running done", d.week_run_done, COLOURS.run), line("Running planned", d.week_run_planned, COLOURS.prescribed, { stepped: true }), bar("Walking", d.week_walk, COLOURS.sleep), bar("Cross-training", d.week_cross, COLOURS.tender)] }),
    acwr: (d) => ({ datasets: [line("Band low", d.band_low, "#19875466", { pointRadius: 0, borderDash: [4, 4] }), line("Band high", d.band_high, "#19875466", { pointRadius: 0, borderDash: [4, 4], fill: "-1", backgroundColor: "#19875422" }), line("Acute:chronic", d.acwr, COLOURS.run)] }),
    cadence: (d) => ({ datasets: [line("Cadence", d.cadence, COLOURS.run)].concat(d.cadence_target.length ? [line("Target", d.cadence_target, COLOURS.prescribed, { pointRadius: 0, borderDash: [4, 4] })] : []), min: 120 }),
    heart: (d) => ({ datasets: [line("Run average HR", d.avg_hr, COLOURS.during), line("Resting HR", d.resting_hr, COLOURS.after), line("HRV (ms)", d.hrv, COLOURS.morning)] }),
    sleep: (d) => ({ datasets: [bar("Sleep (h)", d.sleep_hours, COLOURS.sleep), line("7 h", d.labels.map(() => 7), COLOURS.tender, { pointRadius: 0, borderDash: [4, 4] })] }),
  };

  function render(canvas) {
    if (!window.Chart || canvas.dataset.rendered) { return; }
    const source = canvas.closest("[data-chart-json]");
    if (!source) { return; }
    const data = JSON.parse(source.dataset.chartJson);
    const spec = builders[canvas.dataset.chart](data);
    const scales = { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true } };
    if (spec.max) { scales.y.max = spec.max; }
    // An all-zero chart still has an axis to stand on (0 to 1, not a flat line at the edge).
    const values = spec.datasets.flatMap((set) => set.data || []).filter((v) => typeof v === "number");
    if (!spec.max && values.length && values.every((v) => v === 0)) { scales.y.suggestedMax = 1; }
    if (spec.wholeNumbers) { scales.y.ticks = { precision: 0 }; }
    if (spec.min) { scales.y.beginAtZero = false; scales.y.suggestedMin = spec.min; }
    const labels = canvas.dataset.chart === "stages" ? data.labels : short(spec.labels || data.labels);
    new window.Chart(canvas, { data: { labels, datasets: spec.datasets }, options: { responsive: true, maintainAspectRatio: false, animation: false, scales, plugins: { legend: { position: "bottom" } } } });
    canvas.dataset.rendered = "1";
  }

  function renderAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(render);
  }
  document.addEventListener("DOMContentLoaded", () => renderAll(document));
  // Sections loaded in place by htmx (the patient page) draw their charts once they arrive.
  document.addEventListener("htmx:afterSettle", (event) => renderAll(event.detail.elt));
})();
