// gradflow's explorer: draws the chart and the printed lines of the chosen setting from the grid
// the page carries. Rust decided everything shown (chart/grid.rs): the lines' numbers, the
// title, the ticks, the labels and every bar's place; this script formats no number and
// computes no layout. No network, no libraries.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 1280, HEIGHT = 720;

  function element(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The chart of one setting: `view` holds its title, ticks, bars and labels, `columns` the
  // places of its depth's bars, `selected` the variant shown in full (0 without, 1 with).
  function chart(grid, view, columns, selected) {
    const {left, right, top, bottom, fonts} = grid.page;
    const svg = element("svg", {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: "100%", role: "img",
      "font-family": "sans-serif", style: "max-width: 1280px; display: block;"});
    const add = (name, attributes, text) => svg.appendChild(element(name, attributes, text));
    add("rect", {x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: "#FFFFFF"});
    add("text", {x: WIDTH / 2, y: 48, "text-anchor": "middle", "font-size": fonts.title}, view.title);
    const axis = grid.axes[view.axis];
    for (const y of axis.light) add("line", {x1: left, x2: right, y1: y, y2: y, stroke: "#EEEEEE"});
    for (const [y, label] of axis.ticks) {
      add("line", {x1: left, x2: right, y1: y, y2: y, stroke: "#CCCCCC"});
      add("text", {x: left - 12, y: y + 9, "text-anchor": "end", "font-size": fonts.label}, label);
    }
    add("line", {x1: left, x2: left, y1: top, y2: bottom, stroke: "#000000"});
    add("line", {x1: left, x2: right, y1: bottom, y2: bottom, stroke: "#000000"});
    for (const [x, label] of columns.labels) {
      add("text", {x, y: bottom + 34, "text-anchor": "middle", "font-size": fonts.label}, label);
    }
    add("text", {x: (left + right) / 2, y: bottom + 80, "text-anchor": "middle", "font-size": fonts.desc},
      grid.page.xDesc);
    add("text", {x: 0, y: 0, "text-anchor": "middle", "font-size": fonts.desc,
      transform: `translate(40 ${(top + bottom) / 2}) rotate(-90)`}, grid.page.yDesc);
    view.tops.forEach((tops, k) => {
      tops.forEach((y, i) => {
        const x = columns.x[i][k];
        if (y !== null) {
          add("rect", {x, y, width: columns.width, height: bottom - y, fill: grid.colours[k],
            "fill-opacity": k === selected ? 1 : 0.45, "data-variant": k === 0 ? "without" : "with"});
        }
        if (view.values !== null) {
          add("text", {x: x + columns.width / 2, y: (y === null ? bottom : y) - 6, "text-anchor": "middle",
            "font-size": fonts.value}, view.values[k][i]);
        }
      });
    });
    grid.legend.forEach((label, k) => {
      const x = left + 24 + k * 300;
      add("rect", {x, y: top - 44, width: 26, height: 26, fill: grid.colours[k]});
      add("text", {x: x + 36, y: top - 22, "font-size": fonts.legend,
        "font-weight": k === selected ? "bold" : "normal"}, label);
    });
    return svg;
  }

  function start(root) {
    // An explorer whose scripts a sanitizer removed (an untrusted notebook's) keeps its still.
    const data = root.querySelector("script[data-grid]");
    if (root.dataset.ready || data === null) return;
    root.dataset.ready = "true";
    const grid = JSON.parse(data.textContent);
    const form = root.querySelector("form[data-controls]");
    const lines = root.querySelector("[data-lines]");
    const holder = root.querySelector("[data-chart]");
    const depthLabel = root.querySelector("output[data-depth]");

    function update() {
      const d = grid.depths.indexOf(Number(form.elements.depth.value));
      const w = grid.widths.indexOf(Number(form.elements.width.value));
      const a = grid.activations.indexOf(form.elements.activation.value);
      if (a < 0 || w < 0 || d < 0) return;
      const view = grid.views[a][w][d];
      const selected = form.elements.shortcut.checked ? 1 : 0;
      depthLabel.textContent = form.elements.depth.value;
      lines.textContent = view.reprs[selected].map((repr, i) => grid.prefixes[i] + repr).join("\n");
      holder.replaceChildren(chart(grid, view, grid.columns[d], selected));
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    root.querySelector("[data-still]").style.display = "none";
    root.querySelector("[data-live]").style.display = "";
    update();
  }

  // This script's own explorer is in the document by the time it runs; the others were
  // started by their own scripts, and `start` skips them.
  document.querySelectorAll("[data-gradflow-explorer]").forEach(start);
})();
