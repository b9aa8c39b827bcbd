// devmaturity dashboard charts: each <div data-chart="radar|trend|heatmap" data-source="ID"> is drawn from the
// JSON in <script type="application/json" id="ID">, which the server wrote with texts already in the page's language.
(function () {
  "use strict";
  var LEVEL_COLOURS = ["#e9ecef", "#f4a89a", "#f2cf6b", "#8cc97e", "#6cb4dc", "#a294d8"];
  var INK = "#1b1f24", MUTED = "#4d5560", ACCENT = "#0b5cad", BAD = "#a3261d";

  function read(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function radar(data, el) {
    var narrow = el.clientWidth < 480;
    var indicators = data.indicators.map(function (i) { return { name: i.name, max: data.max, min: 0 }; });
    if (indicators.length < 3) { return bars(data); }
    return {
      color: [ACCENT, "#c2410c"],
      tooltip: { trigger: "item", confine: true },
      legend: { show: data.series.length > 1, bottom: 0, textStyle: { color: INK } },
      radar: {
        indicator: indicators,
        splitNumber: data.max,  // one ring per level, so even an all-level-1 polygon sits on a labelled ring
        radius: narrow ? "50%" : "62%",
        axisName: { color: INK, fontSize: narrow ? 10 : 11, overflow: "truncate", width: narrow ? 70 : 110 },
        axisLabel: { show: true, color: MUTED, fontSize: 10, showMinLabel: false },
        splitArea: { areaStyle: { color: ["#fafbfc", "#f0f3f6"] } },
        splitLine: { lineStyle: { color: "#c3cad3" } }
      },
      series: [{
        type: "radar",
        symbolSize: 7,
        label: { show: indicators.length <= 12, color: INK, fontWeight: "bold" },
        areaStyle: { opacity: 0.18 },
        data: data.series.map(function (s) { return { name: s.name, value: s.values }; })
      }]
    };
  }

  function bars(data) {
    return {
      tooltip: {}, grid: { left: 40, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "category", data: data.indicators.map(function (i) { return i.name; }) },
      yAxis: { type: "value", min: 0, max: data.max, interval: 1 },
      series: data.series.map(function (s) { return { type: "bar", name: s.name, data: s.values, label: { show: true, position: "top" } }; })
    };
  }

  function trend(data) {
    var values = data.points.map(function (p) { return p[1]; }).filter(function (v) { return v !== null; });
    var threshold = data.threshold;
    if (threshold) { values.push(threshold.value); }
    var top = values.length ? Math.max.apply(null, values) : 1;
    var series = {
      type: "line", name: data.title, data: data.points, showSymbol: true, symbolSize: 6, connectNulls: false,
      lineStyle: { width: 2, color: ACCENT }, itemStyle: { color: ACCENT }
    };
    if (threshold) {
      series.markLine = {
        silent: true, symbol: "none",
        lineStyle: { type: "dashed", color: BAD, width: 2 },
        label: { formatter: threshold.label, color: BAD, position: "insideEndTop" },
        data: [{ yAxis: threshold.value }]
      };
    }
    var ratio = data.unit === "ratio";
    var shown = function (v) { return ratio ? Math.round(v * 1000) / 10 + " %" : String(Math.round(v * 100) / 100); };
    if (threshold) { series.markLine.label.formatter = threshold.label + ": " + shown(threshold.value); }
    return {
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v === null || v === undefined ? "—" : shown(v); } },
      grid: { left: 52, right: 16, top: 26, bottom: 28 },
      xAxis: { type: "time", axisLabel: { color: MUTED, hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: ratio ? 1 : (top > 0 ? Math.ceil(top * 1.15 * 100) / 100 : 1),
               name: ratio ? "" : data.unit, nameTextStyle: { color: MUTED },
               axisLabel: { color: MUTED, formatter: function (v) { return ratio ? Math.round(v * 100) + "%" : v; } } },
      series: [series]
    };
  }

  function heatmap(data) {
    return {
      tooltip: { position: "top", confine: true, formatter: function (p) {
        var cell = p.data || p.value;
        return echarts.format.encodeHTML(data.y[cell[1]] + " · " + data.x[cell[0]]) + ": <b>" + cell[2] + "</b>";
      } },
      grid: { left: 150, right: 16, top: 10, bottom: 150 },
      xAxis: { type: "category", data: data.x, splitArea: { show: true },
               axisLabel: { rotate: 55, fontSize: 10, color: INK, interval: 0, width: 120, overflow: "truncate" } },
      yAxis: { type: "category", data: data.y, axisLabel: { fontSize: 11, color: INK, width: 140, overflow: "truncate" } },
      visualMap: {
        type: "piecewise", orient: "horizontal", left: "center", bottom: 0, textStyle: { color: INK },
        pieces: [0, 1, 2, 3, 4, 5].map(function (n) { return { value: n, label: String(n), color: LEVEL_COLOURS[n] }; })
      },
      series: [{ type: "heatmap", data: data.cells, label: { show: data.y.length <= 25, color: INK, fontSize: 10 },
                 itemStyle: { borderColor: "#fff", borderWidth: 1 } }]
    };
  }

  var BUILDERS = { radar: radar, trend: trend, heatmap: heatmap };

  function draw() {
    if (!window.echarts) { return; }
    var drawn = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = read(el), build = BUILDERS[el.getAttribute("data-chart")];
      if (!data || !build) { return; }
      if (data.rows && el.getAttribute("data-chart") === "heatmap") {
        el.style.height = Math.max(260, 24 * data.y.length + 220) + "px";
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(data, el));
      el.setAttribute("data-drawn", "true");
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
