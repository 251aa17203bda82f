// blocs coalition explorer: edit the scenario's [coalition] table, solve every coalition as a
// cancellable batch (progress polled from the server), then toggle allies to read any
// coalition's leverage and cost from the batch.

const SVG = "http://www.w3.org/2000/svg";
const DEFAULT = { leader: "USA", target: "CHN", allies: ["JPN", "KOR", "EU27"], tariff: 0.5, response: "mirror" };

export function setupCoalitions({ $, el, postJSON, getJSON, picker, getDoc, client, showMessage, members }) {
  const co = { job: null, result: null, chosen: new Set(), timer: null, shapes: {} };
  window.blocs.coalition = co;

  function table() {
    const doc = getDoc();
    if (!doc.coalition) doc.coalition = structuredClone(DEFAULT);
    const t = doc.coalition;
    t.allies = t.allies || [];
    return t;
  }

  function render() {
    const t = table();
    $("co-leader").value = t.leader || "USA";
    $("co-target").value = t.target || "CHN";
    $("co-allies").replaceChildren(picker("allies", t.allies, "coalition.allies", paintMap));
    const rate = Math.round((t.tariff ?? 0.5) * 10000) / 100;
    $("co-tariff").value = String(rate);
    $("co-tariff-num").value = String(rate);
    $("co-response").value = typeof t.response === "string" ? t.response : "mirror";
    $("co-credibility").checked = !(t.america_first === false && String(t.punishment).toLowerCase() === "none");
    paintMap();
  }

  // ------------------------------------------------------------ the allies' map
  // A copy of the world map: leader, target, the allies (chosen in the solved batch, or listed
  // in the table before it). Clicking a country of an ally of the batch toggles that ally;
  // clicking another country adds it to (or removes it from) the table's allies.

  function ensureMap() {
    const svg = $("co-map");
    if (svg.childNodes.length || !$("map").childNodes.length) return;
    svg.setAttribute("viewBox", $("map").getAttribute("viewBox"));
    for (const node of $("map").childNodes) {
      const copy = node.cloneNode(false);
      copy.classList.remove("pinned");
      svg.append(copy);
      const code = copy.dataset && copy.dataset.iso;
      if (code) (co.shapes[code] = co.shapes[code] || []).push(copy);
    }
    svg.addEventListener("click", (e) => { const code = e.target.dataset && e.target.dataset.iso; if (code) clickCountry(code); });
  }

  // The ally (a code or a group of the table) a country belongs to, in ``list``.
  function allyOf(code, list) { return list.find((a) => a === code || members(a).includes(code)); }

  function clickCountry(code) {
    const t = table();
    if (code === t.leader || code === t.target) return;
    const ally = co.result ? allyOf(code, co.result.allies) : undefined;
    if (ally) {
      if (co.chosen.has(ally)) co.chosen.delete(ally); else co.chosen.add(ally);
      const box = document.querySelector(`[data-ally="${CSS.escape(ally)}"]`);
      if (box) box.checked = co.chosen.has(ally);
      drawChosen();
      return;
    }
    const listed = allyOf(code, t.allies);
    if (listed) t.allies.splice(t.allies.indexOf(listed), 1); else t.allies.push(code);
    render();
    if (co.result) setStatus(`allies changed: solve every coalition again to include ${code}`);
  }

  function paintMap() {
    ensureMap();
    const t = table();
    const fills = {};
    const mark = (list, color) => { for (const a of list) for (const c of [a, ...members(a)]) fills[c] = color; };
    mark(t.allies, "#d1e5f0");
    if (co.result) { mark(co.result.allies, "#d1e5f0"); mark([...co.chosen], "#4393c3"); }
    mark([t.leader || "USA"], "#053061");
    mark([t.target || "CHN"], "#b2182b");
    for (const [code, nodes] of Object.entries(co.shapes)) {
      for (const n of nodes) n.setAttribute("fill", fills[code] || "#eeeeee");
    }
  }

  $("co-leader").addEventListener("change", () => { table().leader = $("co-leader").value.trim().toUpperCase(); });
  $("co-target").addEventListener("change", () => { table().target = $("co-target").value.trim().toUpperCase(); });
  $("co-tariff").addEventListener("input", () => { $("co-tariff-num").value = $("co-tariff").value; table().tariff = Number($("co-tariff").value) / 100; });
  $("co-tariff-num").addEventListener("input", () => {
    if ($("co-tariff-num").value === "") return;
    $("co-tariff").value = $("co-tariff-num").value; table().tariff = Number($("co-tariff-num").value) / 100;
  });
  $("co-response").addEventListener("change", () => { table().response = $("co-response").value; });
  $("co-credibility").addEventListener("change", () => {
    const t = table();
    if ($("co-credibility").checked) { delete t.america_first; delete t.punishment; } else { t.america_first = false; t.punishment = "none"; }
  });

  function setStatus(text) { $("co-status").textContent = text; }

  async function run() {
    document.querySelectorAll('[data-error-for="coalition"]').forEach((n) => { n.textContent = ""; });
    const r = await postJSON("/api/coalition", { client, scenario: getDoc() });
    const out = await r.json();
    if (out.status === "error") { showMessage("coalition", out.message); setStatus("not started"); return; }
    co.job = out.id;
    $("co-cancel").disabled = false;
    $("co-run").disabled = true;
    poll();
  }

  async function poll() {
    if (!co.job) return;
    const out = await getJSON(`/api/coalition/${co.job}`);
    $("co-progress").max = Math.max(out.total, 1);
    $("co-progress").value = out.done;
    if (out.status === "running") {
      setStatus(out.total ? `solving: ${out.done} of ${out.total} equilibria` : "starting (compiling the batch)…");
      co.timer = setTimeout(poll, 250);
      return;
    }
    $("co-cancel").disabled = true;
    $("co-run").disabled = false;
    if (out.status === "cancelled") { setStatus("cancelled"); return; }
    if (out.status === "error") { showMessage("coalition", out.message); setStatus("failed"); return; }
    co.result = out.result;
    co.chosen = new Set(out.result.allies);
    setStatus(`${out.result.coalitions.length} coalitions solved in ${out.result.seconds} s` +
      (out.result.failures.length ? `; not converged: ${out.result.failures.join(", ")}` : ""));
    window.blocs.coalitionDone = (window.blocs.coalitionDone || 0) + 1;
    draw();
  }

  async function cancel() {
    if (!co.job) return;
    clearTimeout(co.timer);
    await postJSON(`/api/coalition/${co.job}/cancel`, {});
    poll();
  }

  function mask() {
    return co.result.allies.reduce((m, a, j) => (co.chosen.has(a) ? m | (1 << j) : m), 0);
  }

  function draw() {
    const res = co.result;
    $("co-toggles").replaceChildren(...res.allies.map((a) => {
      const box = el("input", { type: "checkbox", "data-ally": a, "aria-label": `ally ${a}` });
      box.checked = co.chosen.has(a);
      box.addEventListener("change", () => { if (box.checked) co.chosen.add(a); else co.chosen.delete(a); drawChosen(); });
      return el("label", { class: "toggle" }, box, ` ${a}`);
    }));
    drawScatter();
    drawChosen();
    const smax = Math.max(...res.shapley.map((s) => Math.abs(s.value || 0)), 1e-9);
    $("co-shapley").replaceChildren(...res.shapley.map((s) => {
      const fill = el("div", { class: "fill" });
      const w = Math.abs(s.value || 0) / smax * 50;
      fill.style.width = `${w}%`; fill.style.left = (s.value || 0) >= 0 ? "50%" : `${50 - w}%`;
      fill.style.background = "#4393c3";
      return el("div", { class: "bar", "data-ally": s.ally }, el("span", { class: "name", text: s.ally }),
        el("div", { class: "track" }, el("div", { class: "axis" }), fill), el("span", { class: "num", text: s.text }));
    }));
    const pct = (v) => (v === null ? "–" : v.toFixed(2));
    $("co-pstar").replaceChildren(
      el("thead", {}, el("tr", {}, el("th", { text: "ally" }), el("th", { text: "p* in the grand coalition" }), el("th", { text: "p* with the leader alone" }))),
      el("tbody", {}, ...(res.p_star || []).map((p) => el("tr", {}, el("td", { text: p.ally }), el("td", { text: pct(p.grand) }), el("td", { text: pct(p.alone) })))));
    if (!res.p_star) $("co-pstar").replaceChildren(el("tr", {}, el("td", { text: "no credibility analysis (no punishment)" })));
    $("co-stable").textContent = res.stable.length ? res.stable.join("; ") : "none";
  }

  function drawChosen() {
    const c = co.result.coalitions[mask()];
    $("co-selected").replaceChildren(el("b", { text: c.label }),
      " — leverage (target's welfare loss) ", el("span", { "data-testid": "co-leverage", text: c.leverage_text }),
      " %; cost to the coalition ", el("span", { "data-testid": "co-cost", text: c.cost_text }),
      ` %; target ${c.target_text} %, leader ${c.leader_text} %${c.stable ? "; stable" : ""}`);
    paintMap();
    document.querySelectorAll("#co-scatter circle.chosen").forEach((n) => n.classList.remove("chosen"));
    const dot = document.querySelector(`#co-scatter circle[data-mask="${mask()}"]`);
    if (dot) { dot.classList.add("chosen"); dot.parentNode.append(dot); }
  }

  function drawScatter() {
    const svg = $("co-scatter");
    svg.replaceChildren();
    const pts = co.result.coalitions.filter((c) => c.leverage !== null && c.cost !== null);
    if (!pts.length) return;
    const xs = pts.map((c) => c.cost), ys = pts.map((c) => c.leverage);
    const [x0, x1] = [Math.min(0, ...xs), Math.max(...xs)], [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
    const X = (v) => 40 + (v - x0) / ((x1 - x0) || 1) * 360, Y = (v) => 270 - (v - y0) / ((y1 - y0) || 1) * 250;
    const node = (tag, attrs) => { const n = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); svg.append(n); return n; };
    node("line", { class: "axis", x1: 40, x2: 400, y1: 270, y2: 270 });
    node("line", { class: "axis", x1: 40, x2: 40, y1: 20, y2: 270 });
    node("text", { x: 220, y: 295, "text-anchor": "middle" }).textContent = "cost to the coalition (% welfare, weighted)";
    const yl = node("text", { x: 12, y: 150, "text-anchor": "middle", transform: "rotate(-90 12 150)" });
    yl.textContent = "leverage (% target welfare loss)";
    node("text", { x: 44, y: 282 }).textContent = x0.toFixed(2);
    node("text", { x: 398, y: 282, "text-anchor": "end" }).textContent = x1.toFixed(2);
    node("text", { x: 44, y: 28 }).textContent = y1.toFixed(2);
    const front = co.result.frontier.map((m) => co.result.coalitions[m]);
    node("polyline", { class: "frontier-line", points: front.map((c) => `${X(c.cost)},${Y(c.leverage)}`).join(" ") });
    const onFront = new Set(co.result.frontier);
    for (const c of pts) {
      const dot = node("circle", { cx: X(c.cost), cy: Y(c.leverage), r: 2.6, "data-mask": c.mask, class: onFront.has(c.mask) ? "frontier" : "" });
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${c.label}: leverage ${c.leverage_text} %, cost ${c.cost_text} %`;
      dot.append(title);
    }
  }

  $("co-run").addEventListener("click", run);
  $("co-cancel").addEventListener("click", cancel);
  return { render };
}
