// The research-graph explorer (templates/graph/explore.html).
//
// Fetches the neighbourhood of the focus node from graph:explore_data, draws
// it with Cytoscape.js (static/vendor/cytoscape-*, loaded before this module
// as a classic script), and on each tap of a node fetches that node's
// neighbourhood and merges it in: node and edge ids are the same in every
// answer, so merging is a union. The view lives in the query string, kept
// with history.replaceState, so a shared or reloaded URL shows the same:
//   ?author=12 (or ?work=34)  the focus, read by the server
//   &expand=author:40,work:7  the nodes expanded, in order
//   &hide=topic,about         node and edge types filtered out
// For tests, the Cytoscape instance is window.bzpeerExplorer and the root's
// data-state is "loading" or "ready".

const root = document.getElementById("explorer");

const COLOURS = {
  author: "#5b8fc7",
  work: "#d9822b",
  topic: "#2e8b57",
  institution: "#8e5ea2",
};
const SHAPES = {
  author: "ellipse",
  work: "round-rectangle",
  topic: "diamond",
  institution: "triangle",
};
const EDGE_COLOURS = {
  "co-authored": "#5b8fc7",
  wrote: "#9aa5b1",
  about: "#2e8b57",
  affiliated: "#8e5ea2",
  similar: "#d9822b",
  cites: "#b03a2e",
};
const TYPE_NAMES = {
  author: "Researcher",
  work: "Work",
  topic: "Topic",
  institution: "Institution",
};

function styles() {
  const sheet = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "font-size": 10,
        color: "#1d2330",
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-wrap": "ellipsis",
        "text-max-width": "120px",
        "text-background-color": "#fff",
        "text-background-opacity": 0.75,
        "text-background-padding": "1px",
        width: "mapData(weight, 0, 1, 14, 30)",
        height: "mapData(weight, 0, 1, 14, 30)",
        "border-width": 0,
        "border-color": "#1d2330",
      },
    },
    {
      selector: "edge",
      style: {
        width: "mapData(weight, 1, 5, 1, 4.5)",
        "curve-style": "straight",
        opacity: 0.8,
      },
    },
    { selector: "node.expanded", style: { "border-width": 2 } },
    {
      selector: "node.focus",
      style: { width: 36, height: 36, "background-color": "#1f4e79", "font-weight": "bold" },
    },
    {
      selector: ":selected",
      style: { "overlay-color": "#1f4e79", "overlay-opacity": 0.2, "overlay-padding": 4 },
    },
    { selector: ".filtered", style: { display: "none" } },
  ];
  for (const [type, colour] of Object.entries(COLOURS)) {
    sheet.splice(1, 0, {
      selector: `node[type = "${type}"]`,
      style: { "background-color": colour, shape: SHAPES[type] },
    });
  }
  for (const [type, colour] of Object.entries(EDGE_COLOURS)) {
    sheet.push({
      selector: `edge[type = "${type}"]`,
      style: {
        "line-color": colour,
        "line-style": type === "affiliated" ? "dashed" : "solid",
      },
    });
  }
  // The one directed edge: an arrow from the citing work to the cited one.
  sheet.push({
    selector: 'edge[type = "cites"]',
    style: {
      "target-arrow-shape": "triangle",
      "target-arrow-color": EDGE_COLOURS.cites,
      "arrow-scale": 0.8,
    },
  });
  // Later rules win in Cytoscape: keep the focus colour and filtering last.
  sheet.push(sheet.splice(sheet.findIndex((r) => r.selector === "node.focus"), 1)[0]);
  sheet.push(sheet.splice(sheet.findIndex((r) => r.selector === ".filtered"), 1)[0]);
  return sheet;
}

function listParam(params, name) {
  return (params.get(name) || "").split(",").filter(Boolean);
}

const params = new URLSearchParams(window.location.search);
const state = {
  endpoint: root.dataset.endpoint,
  focus: root.dataset.focus,
  expanded: listParam(params, "expand").filter((id) => id !== root.dataset.focus),
  hidden: new Set(listParam(params, "hide")),
};

const canvas = document.getElementById("explorer-canvas");
const panel = document.getElementById("explorer-panel");
const panelBody = panel.querySelector(".explorer-panel-body");
const status = panel.querySelector(".explorer-status");

const cy = window.cytoscape({
  container: canvas,
  style: styles(),
  minZoom: 0.2,
  maxZoom: 3,
  selectionType: "single",
  boxSelectionEnabled: false,
});
window.bzpeerExplorer = cy;

async function fetchNeighbourhood(nodeId) {
  const url = `${state.endpoint}?node=${encodeURIComponent(nodeId)}`;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw new Error(`${nodeId}: ${response.status}`);
  }
  return response.json();
}

// Add what is new; return the nodes added. New nodes start at the node they
// came from, so the layout grows out of it instead of jumping.
function merge(data, near) {
  const origin = near && !near.empty() ? near.position() : { x: 0, y: 0 };
  const added = [];
  cy.batch(() => {
    for (const node of data.nodes) {
      if (cy.getElementById(node.id).empty()) {
        added.push({
          group: "nodes",
          data: { ...node },
          position: {
            x: origin.x + (Math.random() - 0.5) * 40,
            y: origin.y + (Math.random() - 0.5) * 40,
          },
        });
      }
    }
    cy.add(added);
    const edges = data.edges.filter(
      (edge) =>
        cy.getElementById(edge.id).empty() &&
        !cy.getElementById(edge.source).empty() &&
        !cy.getElementById(edge.target).empty(),
    );
    cy.add(edges.map((edge) => ({ group: "edges", data: { ...edge } })));
  });
  return added.length;
}

function applyFilters() {
  cy.batch(() => {
    cy.elements().removeClass("filtered");
    for (const type of state.hidden) {
      // The focus stays: without it the view would be about nothing.
      cy.elements(`[type = "${type}"]`).not(".focus").addClass("filtered");
    }
  });
  for (const box of root.querySelectorAll("input[name=show]")) {
    box.checked = !state.hidden.has(box.value);
  }
  showCount();
}

function syncUrl() {
  const next = new URLSearchParams(window.location.search);
  for (const [name, values] of [
    ["expand", state.expanded],
    ["hide", [...state.hidden]],
  ]) {
    if (values.length) {
      next.set(name, values.join(","));
    } else {
      next.delete(name);
    }
  }
  // ":" and "," are fine in a query string and easier to read unescaped.
  const query = next.toString().replaceAll("%3A", ":").replaceAll("%2C", ",");
  window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
}

function layout(randomize) {
  return cy
    .layout({
      name: "cose",
      animate: false,
      randomize,
      fit: true,
      padding: 30,
      nodeRepulsion: () => 9000,
      idealEdgeLength: () => 90,
    })
    .run();
}

function showCount() {
  const shown = cy.nodes().filter((node) => node.visible()).length;
  status.textContent = `${shown} of ${cy.nodes().length} nodes shown.`;
}

function setBusy(busy, message = "") {
  root.dataset.state = busy ? "loading" : "ready";
  if (message) status.textContent = message;
  else if (!busy) showCount();
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function describeNode(node) {
  const heading = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = node.data("label");
  heading.append(`${TYPE_NAMES[node.data("type")]}: `, strong);
  const facts = document.createElement("p");
  facts.className = "small muted";
  const links = node.connectedEdges().length;
  facts.textContent =
    `${links} link${links === 1 ? "" : "s"} shown` +
    (node.hasClass("expanded") || node.hasClass("focus")
      ? "; neighbours shown."
      : "; tap to bring in its neighbours.");
  const parts = [heading, facts];
  if (node.data("url")) {
    const p = document.createElement("p");
    p.append(link(node.data("url"), "Open its page"));
    parts.push(p);
  }
  panelBody.replaceChildren(...parts);
}

function describeEdge(edge) {
  const why = document.createElement("p");
  why.className = "explorer-edge-label";
  const strong = document.createElement("strong");
  strong.textContent = edge.data("label");
  why.append(strong);
  const ends = document.createElement("p");
  ends.className = "small";
  const source = edge.source();
  const target = edge.target();
  ends.append(
    link(source.data("url"), source.data("label")),
    ` — ${edge.data("type")} — `,
    link(target.data("url"), target.data("label")),
  );
  panelBody.replaceChildren(why, ends);
}

async function expand(node) {
  const id = node.id();
  if (id === state.focus || state.expanded.includes(id)) return;
  setBusy(true, `Bringing in the neighbours of ${node.data("label")}…`);
  try {
    const data = await fetchNeighbourhood(id);
    node.addClass("expanded");
    state.expanded.push(id);
    const added = merge(data, node);
    applyFilters();
    syncUrl();
    if (added) layout(false);
    describeNode(node);
    setBusy(false);
  } catch (error) {
    setBusy(false, `Could not load the neighbours of ${node.data("label")}.`);
  }
}

cy.on("tap", "node", (event) => {
  describeNode(event.target);
  expand(event.target);
});
cy.on("tap", "edge", (event) => describeEdge(event.target));
cy.on("tap", (event) => {
  if (event.target === cy) {
    panelBody.replaceChildren();
    const hint = document.createElement("p");
    hint.className = "muted";
    hint.textContent = "Tap a node or a line.";
    panelBody.append(hint);
  }
});
// A hover tooltip: the label of the node, or why the line exists.
cy.on("mouseover", "node, edge", (event) => {
  canvas.title = event.target.data("label");
});
cy.on("mouseout", "node, edge", () => {
  canvas.title = "";
});

root.querySelector(".explorer-filters").addEventListener("change", (event) => {
  const box = event.target;
  if (box.checked) state.hidden.delete(box.value);
  else state.hidden.add(box.value);
  applyFilters();
  syncUrl();
});

async function start() {
  setBusy(true, "Loading the graph…");
  const ids = [state.focus, ...state.expanded];
  const answers = await Promise.allSettled(ids.map(fetchNeighbourhood));
  if (answers[0].status !== "fulfilled") {
    setBusy(false, "Could not load the graph. Reload the page to try again.");
    return;
  }
  // Expanded nodes that no longer exist (or failed) are dropped from the URL.
  state.expanded = state.expanded.filter((_, i) => answers[i + 1].status === "fulfilled");
  answers.forEach((answer) => {
    if (answer.status === "fulfilled") merge(answer.value, null);
  });
  cy.getElementById(state.focus).addClass("focus");
  for (const id of state.expanded) cy.getElementById(id).addClass("expanded");
  applyFilters();
  syncUrl();
  layout(true);
  setBusy(false);
}

start();
