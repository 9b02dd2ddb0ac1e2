// The trends chart (templates/watch/trends.html): successes and failures per day, drawn with the
// vendored Chart.js from the numbers the page's table holds (sent as JSON by json_script: no
// inline script). The table stays the accessible version; the canvas is aria-hidden. Days
// counted by Quay's log are drawn lighter, days not known are left empty.
(function () {
  "use strict";

  function cssColour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function withAlpha(hex, alpha) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) return hex;
    return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + alpha + ")";
  }

  function draw() {
    var source = document.getElementById("trends-data");
    var canvas = document.getElementById("trends-chart");
    if (!source || !canvas || typeof window.Chart !== "function") return;
    var data = JSON.parse(source.textContent);
    var ok = cssColour("--md-ok", "#1e7b34");
    var fail = cssColour("--md-fail", "#b3261e");
    function colours(base) {
      return data.sources.map(function (from) { return from === "quay" ? withAlpha(base, 0.45) : base; });
    }
    var labels = data.days.map(function (day) { return day.slice(5); }); // MM-DD
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Successes", data: data.successes, backgroundColor: colours(ok), borderColor: ok, borderWidth: 1 },
          { label: "Failures", data: data.failures, backgroundColor: colours(fail), borderColor: fail, borderWidth: 1 }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) { return data.days[items[0].dataIndex]; },
              afterBody: function (items) {
                return data.sources[items[0].dataIndex] === "quay" ? "counted by Quay's log" : "";
              }
            }
          }
        }
      }
    });
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
