// blocs compare view: pin the current results as "A" (or solve a built-in scenario as A);
// the scenario being edited is "B". Shown side by side: A's map and the map of B − A of the
// chosen outcome, the groups of A and B with their difference, the largest differences.

export function setupCompare({ $, el, postJSON, getJSON, client, color, scale, current, column, labelOf, onPin }) {
  const cmp = { a: null, label: "", shapes: { a: {}, diff: {} }, seq: 0 };
  window.blocs.compare = cmp;

  // Two copies of the main map (drawn by then): the same shapes, their own fills.
  function maps() {
    for (const [key, id] of [["a", "a-map"], ["diff", "diff-map"]]) {
      const svg = $(id);
      if (svg.childNodes.length) continue;
      const src = $("map");
      svg.setAttribute("viewBox", src.getAttribute("viewBox"));
      for (const node of src.childNodes) {
        const copy = node.cloneNode(false);
        copy.classList.remove("pinned");
        svg.append(copy);
        const code = copy.dataset && copy.dataset.iso;
        if (code) (cmp.shapes[key][code] = cmp.shapes[key][code] || []).push(copy);
      }
      svg.addEventListener("click", (e) => { const code = e.target.dataset && e.target.dataset.iso; if (code) select(code); });
      svg.addEventListener("mousemove", (e) => { const code = e.target.dataset && e.target.dataset.iso; if (code) select(code); });
    }
  }

  function pin(result, label) {
    cmp.a = result;
    cmp.label = label;
    $("compare").hidden = false;
    $("clear-a").hidden = false;
    maps();
    update();
    if (onPin) onPin();
  }

  function clear() {
    cmp.a = null;
    $("compare").hidden = true;
    $("clear-a").hidden = true;
    $("compare-label").textContent = "";
  }

  // Differences of the chosen outcome for the countries in both A and B (null: not defined).
  function differences(col) {
    const a = cmp.a, b = current();
    const out = {};
    for (const [code, cb] of Object.entries(b.countries)) {
      const ca = a.countries[code];
      const va = ca ? ca.values[col] : null, vb = cb.values[col];
      out[code] = va === null || va === undefined || vb === null || vb === undefined ? null : vb - va;
    }
    return out;
  }

  function fmt(v) { return v === null || v === undefined || !isFinite(v) ? "–" : v.toFixed(2); }

  function paint(shapes, values) {
    const vmax = scale(Object.values(values));
    for (const [code, nodes] of Object.entries(shapes)) {
      const fill = color(code in values ? values[code] : null, vmax);
      for (const n of nodes) n.setAttribute("fill", fill);
    }
    return vmax;
  }

  function update() {
    const b = current();
    if (!cmp.a || !b) return;
    const col = column();
    const title = (b.columns.find((c) => c.key === col) || { title: col }).title;
    const same = cmp.a.model === b.model && cmp.a.columns.some((c) => c.key === col);
    $("compare-label").textContent = `A: ${cmp.label}`;
    $("compare-title").textContent = `${title}: A (${cmp.label}) and B − A (B: the scenario being edited)`;
    if (!same) {
      $("compare-note").textContent = "A and B use different data or models: pin A again on the same data to compare.";
      return;
    }
    $("compare-note").textContent = "";
    const aValues = Object.fromEntries(Object.entries(cmp.a.countries).map(([k, c]) => [k, c.values[col]]));
    paint(cmp.shapes.a, aValues);
    const diff = differences(col);
    const vmax = paint(cmp.shapes.diff, diff);
    $("diff-legend").textContent = `blue: B higher, red: B lower (scale ±${vmax.toFixed(2)} points)`;
    const groupsA = Object.fromEntries(cmp.a.groups.map((g) => [g.name, g]));
    const head = el("tr", {}, ...["", "A", "B", "B − A"].map((t) => el("th", { text: t })));
    const rows = b.groups.filter((g) => groupsA[g.name]).map((g) => {
      const va = groupsA[g.name].values[col], vb = g.values[col];
      const d = va === null || vb === null ? null : vb - va;
      return el("tr", { "data-row": g.name }, el("td", { text: g.name }),
        el("td", { text: groupsA[g.name].text[col], "data-col": "a" }),
        el("td", { text: g.text[col], "data-col": "b" }),
        el("td", { text: fmt(d), "data-col": "diff", class: d < 0 ? "neg" : d > 0 ? "pos" : "" }));
    });
    $("compare-groups").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    const moved = Object.entries(diff).filter(([, d]) => d !== null).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, 8);
    $("compare-top").replaceChildren(...moved.map(([code, d]) => el("div", { class: "bar", "data-code": code },
      el("span", { class: "name", text: `${code} ${b.countries[code].name}` }), el("span", {}),
      el("span", { class: "num", text: fmt(d) }))));
    if (cmp.selected) select(cmp.selected);
  }

  function select(code) {
    const b = current();
    if (!cmp.a || !b) return;
    cmp.selected = code;
    const col = column();
    const ca = cmp.a.countries[code], cb = b.countries[code];
    const d = differences(col)[code];
    $("compare-selected").dataset.code = code;
    $("compare-selected").replaceChildren(el("b", { text: `${cb ? cb.name : code} (${code})` }),
      el("span", { "data-col": "a" }, "A: ", el("span", { class: "v", text: ca ? ca.text[col] : "–" })),
      el("span", { "data-col": "b" }, "B: ", el("span", { class: "v", text: cb ? cb.text[col] : "–" })),
      el("span", { "data-col": "diff" }, "B − A: ", el("span", { class: "v", text: fmt(d ?? null) })));
  }

  // A built-in scenario solved as A (its own tab id on the server: no supersession with B).
  async function pinBuiltin(name) {
    if (!name) return;
    const seq = ++cmp.seq;
    $("compare-label").textContent = `solving ${name} as A…`;
    const doc = await getJSON(`/api/scenario/${encodeURIComponent(name)}`);
    const r = await postJSON("/api/solve", { client: `${client}-A`, seq, scenario: doc });
    const out = await r.json();
    if (seq !== cmp.seq) return;
    if (out.status !== "ok") { $("compare-label").textContent = `A not solved: ${out.message || out.status}`; return; }
    pin(out, name);
  }

  $("pin-a").addEventListener("click", () => { const b = current(); if (b) pin(b, labelOf()); });
  $("clear-a").addEventListener("click", clear);
  $("compare-preset").addEventListener("change", () => pinBuiltin($("compare-preset").value).catch((e) => {
    $("compare-label").textContent = `A not solved: ${e.message}`;
  }));
  return { update, pin, clear };
}
