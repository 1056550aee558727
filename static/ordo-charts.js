// Draws every chart of the page (macros.html ``chart``) with Apache ECharts, from the JSON copy
// of the table beside it: the numbers are the table's. Without scripts the table stays alone.
"use strict";

(() => {
  const charts = [];

  function options(data) {
    const values = (series) => series.values.map(Number);
    // The tooltip is drawn on the canvas: an HTML tooltip would carry inline styles the CSP refuses.
    const tooltip = { renderMode: "richText", trigger: data.kind === "pie" ? "item" : "axis" };
    if (data.kind === "pie") {
      const first = data.series[0];
      return {
        tooltip,
        legend: { type: "scroll", bottom: 0 },
        series: [{
          type: "pie", name: first.name, radius: ["35%", "65%"], center: ["50%", "45%"],
          data: data.categories.map((name, index) => ({ name, value: values(first)[index] })),
        }],
      };
    }
    if (data.kind === "range") {
      // Bars from the first series' value to the second's, one row per category, across a line at zero.
      const [from, to] = data.series.map(values);
      return {
        tooltip: { renderMode: "richText", trigger: "item" },
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "value", name: data.series[1].name, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "category", data: data.categories, inverse: true },
        series: [{
          type: "custom", name: data.title,
          encode: { x: [1, 2], y: 0 },
          data: data.categories.map((name, index) => [index, from[index], to[index]]),
          renderItem: (params, api) => {
            const start = api.coord([api.value(1), api.value(0)]);
            const end = api.coord([api.value(2), api.value(0)]);
            const height = api.size([0, 1])[1] * 0.6;
            return {
              type: "rect", style: api.style(),
              shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height },
            };
          },
          markLine: { silent: true, symbol: "none", data: [{ xAxis: 0 }], label: { formatter: "0" } },
        }],
      };
    }
    const many = data.categories.length > 6;
    return {
      tooltip,
      legend: data.series.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { left: 8, right: 16, top: data.series.length > 1 ? 36 : 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { rotate: many ? 45 : 0, hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map((series) => ({
        type: data.kind, name: series.name, data: values(series), smooth: false,
        showSymbol: data.categories.length <= 31,
      })),
    };
  }

  function draw() {
    const locale = document.documentElement.lang === "zh-CN" ? "ZH" : "EN";
    for (const element of document.querySelectorAll("[data-chart]")) {
      const source = document.getElementById(element.getAttribute("data-chart"));
      if (!source || typeof window.echarts === "undefined") {
        continue;
      }
      element.hidden = false;
      const chart = window.echarts.init(element, null, { renderer: "canvas", locale });
      chart.setOption(options(JSON.parse(source.textContent)));
      charts.push(chart);
    }
  }

  let pending = 0;
  window.addEventListener("resize", () => {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(() => charts.forEach((chart) => chart.resize()));
  });
  document.addEventListener("DOMContentLoaded", draw);
})();
