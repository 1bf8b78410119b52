// gradflow's explorer: redraws the bar chart and the printed lines of the chosen setting from
// the grid the page carries. No network, no libraries; the same colours and log axis as the
// SVG charts drawn in Rust.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 1280, HEIGHT = 720;
  // Above this many layers, the x axis shows layer numbers instead of module names.
  const MAX_NAMED_LAYERS = 10;

  // Three significant digits, as the SVG charts label their bars: 0.556, 0.0764, 6.88e-4.
  function shortValue(v) {
    if (v === 0) return "0";
    if (!isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a >= 0.01 && a < 1000) return v.toFixed(Math.max(0, 2 - Math.floor(Math.log10(a))));
    const [mantissa, exponent] = v.toExponential(2).split("e");
    return mantissa + "e" + Number(exponent);
  }

  // Python's repr of a float: the shortest digits that read back to it (JavaScript picks the
  // same digits), written as Python writes them: 0.0, 0.00123, 1.5e-05, 3.140749216079712.
  function pythonRepr(x) {
    if (Number.isNaN(x)) return "nan";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const sign = x < 0 ? "-" : "";
    const [mantissa, power = "0"] = Math.abs(x).toString().split("e");
    const [whole, fraction = ""] = mantissa.split(".");
    const all = whole + fraction;
    const digits = all.replace(/^0+/, "").replace(/0+$/, "");
    // The exponent of the first significant digit.
    const exponent = whole.length - 1 + Number(power) - (all.length - all.replace(/^0+/, "").length);
    if (exponent < -4 || exponent >= 16) {
      const rest = digits.length > 1 ? "." + digits.slice(1) : "";
      return `${sign}${digits[0]}${rest}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    }
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    return `${sign}${integer}.${digits.slice(exponent + 1) || "0"}`;
  }

  // Powers of ten around the values: a decade below the smallest, room above the largest.
  function logRange(values) {
    const drawable = values.filter((v) => isFinite(v) && v > 0);
    if (drawable.length === 0) return [1e-4, 1];
    const low = Math.floor(Math.log10(Math.min(...drawable))) - 1;
    let high = Math.ceil(Math.log10(Math.max(...drawable) * 3));
    return [Math.pow(10, low), Math.pow(10, high > low ? high : low + 1)];
  }

  function element(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function chart(grid, setting, values) {
    const layers = values[0].length;
    const [floor, ceiling] = logRange(values.flat());
    const [left, right, top, bottom] = [150, 1250, 110, 600];
    const decades = Math.log10(ceiling) - Math.log10(floor);
    const y = (v) => top + ((Math.log10(ceiling) - Math.log10(v)) / decades) * (bottom - top);
    const group = (right - left) / layers;
    const svg = element("svg", {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: "100%", role: "img",
      "font-family": "sans-serif", style: "max-width: 1280px; display: block;"});
    svg.appendChild(element("rect", {x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: "#FFFFFF"}));
    const name = grid.names[grid.activations.indexOf(setting.activation)];
    svg.appendChild(element("text", {x: WIDTH / 2, y: 48, "text-anchor": "middle", "font-size": 34},
      `Mean |gradient| per layer (${name}, depth ${setting.depth}, width ${setting.width})`));
    // A line at every decade; a label at every one, or every step-th where they would touch.
    const step = Math.max(1, Math.ceil(36 / ((bottom - top) / decades)));
    for (let e = Math.round(Math.log10(floor)); e <= Math.round(Math.log10(ceiling)); e++) {
      const at = y(Math.pow(10, e));
      svg.appendChild(element("line", {x1: left, x2: right, y1: at, y2: at, stroke: "#DDDDDD"}));
      if (e % step === 0) {
        svg.appendChild(element("text", {x: left - 12, y: at + 9, "text-anchor": "end", "font-size": 26}, `1e${e}`));
      }
    }
    svg.appendChild(element("line", {x1: left, x2: left, y1: top, y2: bottom, stroke: "#000000"}));
    svg.appendChild(element("line", {x1: left, x2: right, y1: bottom, y2: bottom, stroke: "#000000"}));
    const every = Math.ceil(layers / 16);
    for (let i = 0; i < layers; i += every) {
      const label = layers <= MAX_NAMED_LAYERS ? `layers.${i}` : String(i);
      svg.appendChild(element("text", {x: left + (i + 0.5) * group, y: bottom + 34, "text-anchor": "middle",
        "font-size": 26}, label));
    }
    svg.appendChild(element("text", {x: (left + right) / 2, y: bottom + 80, "text-anchor": "middle",
      "font-size": 28}, "layer (input side → output side)"));
    svg.appendChild(element("text", {x: 0, y: 0, "text-anchor": "middle", "font-size": 28,
      transform: `translate(40 ${(top + bottom) / 2}) rotate(-90)`}, "mean |weight gradient|, log scale"));
    // Value labels only where each fits over its bar, whose neighbour's label stands a bar's
    // width away (0.55 em a character: as wide as common sans-serif digits, or wider).
    const width = group * 0.4;
    const widest = Math.max(...values.flat().map((v) => shortValue(v).length)) * 0.55 * 22;
    const showValues = widest <= width;
    values.forEach((variant, k) => {
      const opacity = (k === 1) === setting.shortcut ? 1 : 0.45;
      variant.forEach((v, i) => {
        const x = left + i * group + group * 0.1 + k * width;
        if (isFinite(v) && v > 0) {
          svg.appendChild(element("rect", {x, y: y(v), width, height: bottom - y(v), fill: grid.colours[k],
            "fill-opacity": opacity, "data-variant": k === 0 ? "without" : "with"}));
        }
        if (showValues) {
          const top = isFinite(v) && v > 0 ? y(v) : bottom;
          svg.appendChild(element("text", {x: x + width / 2, y: top - 6, "text-anchor": "middle",
            "font-size": 22}, shortValue(v)));
        }
      });
    });
    ["without shortcut", "with shortcut"].forEach((label, k) => {
      const x = left + 24 + k * 300;
      svg.appendChild(element("rect", {x, y: top - 44, width: 26, height: 26, fill: grid.colours[k]}));
      svg.appendChild(element("text", {x: x + 36, y: top - 22, "font-size": 26,
        "font-weight": (k === 1) === setting.shortcut ? "bold" : "normal"}, label));
    });
    return svg;
  }

  function start(root) {
    // An explorer whose scripts a sanitizer removed (an untrusted notebook's) keeps its still.
    const data = root.querySelector("script[data-grid]");
    if (root.dataset.ready || data === null) return;
    root.dataset.ready = "true";
    const grid = JSON.parse(data.textContent);
    const bytes = Uint8Array.from(atob(grid.means), (c) => c.charCodeAt(0));
    const means = new Float32Array(bytes.buffer);
    // Where each depth's pair of reports starts within one width's block of means.
    const starts = [];
    let perWidth = 0;
    for (const depth of grid.depths) {
      starts.push(perWidth);
      perWidth += 2 * depth;
    }
    const form = root.querySelector("form[data-controls]");
    const lines = root.querySelector("[data-lines]");
    const holder = root.querySelector("[data-chart]");
    const depthLabel = root.querySelector("output[data-depth]");

    function update() {
      const setting = {
        depth: Number(form.elements.depth.value),
        width: Number(form.elements.width.value),
        activation: form.elements.activation.value,
        shortcut: form.elements.shortcut.checked,
      };
      const a = grid.activations.indexOf(setting.activation);
      const w = grid.widths.indexOf(setting.width);
      const d = grid.depths.indexOf(setting.depth);
      if (a < 0 || w < 0 || d < 0) return;
      const first = (a * grid.widths.length + w) * perWidth + starts[d];
      const values = [0, 1].map((k) => Array.from(
        means.subarray(first + k * setting.depth, first + (k + 1) * setting.depth)));
      depthLabel.textContent = String(setting.depth);
      lines.textContent = values[setting.shortcut ? 1 : 0]
        .map((mean, i) => `layers.${i}.0.weight has gradient mean of ${pythonRepr(mean)}`).join("\n");
      holder.replaceChildren(chart(grid, setting, values));
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
