/* Dashboard charts: read the figures from the page's JSON, draw with Chart.js.
   Every chart has a table beneath it with the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var percent = function (v) { return v === null ? "—" : v.toLocaleString(document.documentElement.lang, {minimumFractionDigits: 1, maximumFractionDigits: 1}) + "%"; };
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997"];

  var barCanvas = document.getElementById("children-chart");
  if (barCanvas && data.children.length) {
    var averageLine = {
      id: "averageLine",
      afterDatasetsDraw: function (chart) {
        if (data.average === null) { return; }
        var x = chart.scales.x.getPixelForValue(data.average);
        var ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = "#dc3545";
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(x, chart.chartArea.top);
        ctx.lineTo(x, chart.chartArea.bottom);
        ctx.stroke();
        ctx.restore();
      }
    };
    new Chart(barCanvas, {
      type: "bar",
      data: {
        labels: data.children.map(function (c) { return c.label; }),
        datasets: [{label: data.labels[data.indicator], data: data.children.map(function (c) { return c.rate; }), backgroundColor: "#0d6efd"}]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: {x: {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}}},
        plugins: {
          legend: {display: false},
          tooltip: {callbacks: {label: function (item) { return percent(item.raw); }}}
        },
        onClick: function (_event, elements) {
          if (!elements.length) { return; }
          var target = data.children[elements[0].index];
          if (target && target.url) { window.location.href = target.url; }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length && data.children[elements[0].index].url ? "pointer" : "default";
        }
      },
      plugins: [averageLine]
    });
  }

  var trendCanvas = document.getElementById("trend-chart");
  if (trendCanvas) {
    var codes = Object.keys(data.trend);
    new Chart(trendCanvas, {
      type: "line",
      data: {
        labels: data.years,
        datasets: codes.map(function (code, i) {
          return {label: data.labels[code], data: data.trend[code], borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: true};
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {y: {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}}},
        plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}, tooltip: {callbacks: {label: function (item) { return item.dataset.label + ": " + percent(item.raw); }}}}
      }
    });
  }
}());
