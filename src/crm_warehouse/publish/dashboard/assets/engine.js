// The dashboard's calculation engine and renderer. Metrics are computed from the row-grain
// exports with the same semantics as the DAX measures generated from the same definitions:
// the Date filter reaches Sales and Tickets (and Customer only through a metric's own date
// column), the income-bracket filter reaches every table through Customer, and the channel
// filter reaches Tickets only.
(function () {
  "use strict";
  const SPEC = window.CRM_SPEC;
  const DATA = window.CRM_DATA;

  function rows(columnar) {
    const names = Object.keys(columnar);
    const n = names.length ? columnar[names[0]].length : 0;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = {};
      for (const name of names) row[name] = columnar[name][i];
      out[i] = row;
    }
    return out;
  }

  const customers = rows(DATA.customers);
  const products = rows(DATA.products);
  const customerByKey = new Map(customers.map((c) => [c.customer_key, c]));
  const productByKey = new Map(products.map((p) => [p.product_key, p]));
  const TABLES = {
    sales: rows(DATA.sales).map((r) => ({ ...r, _date: r.ordered_date, _c: customerByKey.get(r.customer_key), _p: productByKey.get(r.product_key) })),
    tickets: rows(DATA.tickets).map((r) => ({ ...r, _date: r.created_date, _c: customerByKey.get(r.customer_key), _p: productByKey.get(r.product_key) })),
    customers: customers.map((r) => ({ ...r, _c: r })),
  };

  function monthStart(iso) { return iso.slice(0, 8) + "01"; }
  function weekStart(iso) {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    return d.toISOString().slice(0, 10);
  }
  function addDays(iso, days) {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }
  function monthEnd(iso) {
    const d = new Date(iso + "T00:00:00Z");
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  }
  function shiftYear(iso, years) { return String(Number(iso.slice(0, 4)) + years) + iso.slice(4); }

  // The calendar of the Date table: whole years.
  const CAL_FIRST = SPEC.calendar.first.slice(0, 4) + "-01-01";
  const CAL_LAST = SPEC.calendar.last.slice(0, 4) + "-12-31";

  function attribute(row, field) {
    if (field.table === "customers") return row._c ? row._c[field.column] : undefined;
    if (field.table === "products") return row._p ? row._p[field.column] : undefined;
    return row[field.column];
  }

  // ctx: {from, to, income, channel, preds: [[field, value]]}
  function baseRows(calc, ctx) {
    const table = TABLES[calc.table];
    const dateColumn = calc.table === "customers" ? calc.date : "_date";
    return table.filter((row) => {
      if (dateColumn) {
        const d = row[dateColumn];
        if (!d || d < ctx.from || d > ctx.to) return false;
      }
      if (ctx.income && (!row._c || row._c.income_bracket !== ctx.income)) return false;
      if (ctx.channel && calc.table === "tickets" && row.ticket_channel !== ctx.channel) return false;
      for (const [field, value] of ctx.preds) {
        if (field.table === "date") continue;
        if (calc.table === "customers" && field.table !== "customers") continue;
        if (calc.table === "sales" && field.table === "tickets") continue;
        if (attribute(row, field) !== value) return false;
      }
      return calc.where.every((w) => row[w] === true);
    });
  }

  function percentile(values, fraction) {
    if (!values.length) return null;
    const sorted = values.slice().sort((a, b) => a - b);
    const rank = fraction * (sorted.length - 1);
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
  }

  function numbers(list, column) {
    return list.map((r) => r[column]).filter((v) => v !== null && v !== undefined);
  }

  const KINDS = {
    sum: (c, ctx) => numbers(baseRows(c, ctx), c.column).reduce((a, b) => a + b, 0),
    count: (c, ctx) => baseRows(c, ctx).length,
    distinct_count: (c, ctx) => new Set(baseRows(c, ctx).map((r) => r[c.column])).size,
    mean: (c, ctx) => {
      const v = numbers(baseRows(c, ctx), c.column);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    },
    percentile: (c, ctx) => {
      const list = baseRows(c, ctx);
      if (!c.per) return percentile(numbers(list, c.column), c.fraction);
      const sums = new Map();
      for (const r of list) sums.set(r[c.per], (sums.get(r[c.per]) || 0) + r[c.column]);
      return percentile([...sums.values()], c.fraction);
    },
    ratio: (c, ctx) => {
      const num = evaluate(c.numerator, ctx);
      const den = evaluate(c.denominator, ctx);
      return num === null || !den ? null : (num / den) * c.scale;
    },
    yoy: (c, ctx) => {
      const now = evaluate(c.metric, ctx);
      const before = evaluate(c.metric, { ...ctx, from: shiftYear(ctx.from, -1), to: shiftYear(ctx.to, -1) });
      return before ? ((now - before) / before) * 100 : null;
    },
    first_in_period: (c, ctx) => TABLES.customers.filter((r) => r.first_order_date
      && r.first_order_date >= ctx.from && r.first_order_date <= ctx.to
      && (!ctx.income || r.income_bracket === ctx.income)
      && ctx.preds.every(([f, v]) => f.table !== "customers" || r[f.column] === v)).length,
    returning_in_period: (c, ctx) => new Set(baseRows(c, ctx)
      .filter((r) => r._c && r._c.first_order_date && r._c.first_order_date < ctx.from)
      .map((r) => r.customer_key)).size,
    at_risk_value: (c, ctx) => {
      const keys = new Set(baseRows({ table: "tickets", where: ["is_at_risk"] }, ctx).map((r) => r.customer_key));
      return TABLES.customers.filter((r) => keys.has(r.customer_key) && r.is_crm_customer
        && (!ctx.income || r.income_bracket === ctx.income))
        .reduce((a, r) => a + r.lifetime_revenue_gbp, 0);
    },
  };

  function evaluate(name, ctx) {
    const calc = { where: [], scale: 1, ...SPEC.metrics[name].calculation };
    return KINDS[calc.kind](calc, ctx);
  }

  function format(name, value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "-";
    const fmt = SPEC.metrics[name].format;
    if (fmt === "gbp") {
      return Math.abs(value) >= 1e6 ? "£" + (value / 1e6).toFixed(2) + "M"
        : "£" + value.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    if (fmt === "integer") return Math.round(value).toLocaleString("en-GB");
    if (fmt === "hours") return value.toFixed(2) + " h";
    if (fmt === "percent") return value.toFixed(1) + "%";
    return value.toFixed(2);
  }

  // The table whose dates a metric follows: its own, its numerator's, or Tickets for at-risk.
  function dateTable(name) {
    const calc = SPEC.metrics[name].calculation;
    if (calc.kind === "at_risk_value") return "tickets";
    return calc.table || dateTable(calc.numerator || calc.metric);
  }

  // Groups of a visual's category: dates narrow the period, other fields become predicates.
  function groups(visual, ctx) {
    const field = visual.category;
    if (field.table === "date") {
      const step = field.column === "week_start" ? weekStart : monthStart;
      const seen = new Set();
      for (const name of visual.measures) {
        const calc = SPEC.metrics[name].calculation;
        const table = dateTable(name);
        const column = table === "customers" ? (calc.date || "first_order_date") : "_date";
        for (const r of TABLES[table]) {
          const d = r[column];
          if (d && d >= ctx.from && d <= ctx.to) seen.add(step(d));
        }
      }
      return [...seen].sort().map((start) => {
        const end = field.column === "week_start" ? addDays(start, 6) : monthEnd(start);
        return { label: start, ctx: { ...ctx, from: start > ctx.from ? start : ctx.from, to: end < ctx.to ? end : ctx.to } };
      });
    }
    const orderColumn = { income_bracket: "income_bracket_order", age_bin: "age_bin_order", ticket_priority: "priority_order" }[field.column];
    const values = new Map();
    const source = field.table === "customers" ? TABLES.customers.filter((r) => r.is_crm_customer) : field.table === "products" ? products : TABLES[field.table];
    for (const r of source) {
      const v = field.table === "products" ? r[field.column] : attribute(r, field);
      if (v !== undefined && v !== null && !values.has(v)) values.set(v, orderColumn ? (field.table === "tickets" ? r[orderColumn] : attribute(r, { table: field.table, column: orderColumn })) : v);
    }
    const list = [...values.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return list.map(([v]) => ({ label: v, ctx: { ...ctx, preds: [...ctx.preds, [field, v]] } }));
  }

  function series(visual, ctx) {
    let list = groups(visual, ctx).map((g) => ({ label: g.label, values: visual.measures.map((m) => evaluate(m, g.ctx)) }));
    list = list.filter((g) => g.values.some((v) => v !== null && v !== 0));
    if (visual.top_n || ["bar"].includes(visual.kind)) {
      list.sort((a, b) => (b.values[0] || 0) - (a.values[0] || 0));
      if (visual.top_n) list = list.slice(0, visual.top_n);
    }
    return list;
  }

  const COLORS = ["#1f6fb2", "#e07b39", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d46", "#d16ba5", "#6b7b8c"];
  const LAYOUT = { margin: { l: 60, r: 20, t: 10, b: 50 }, font: { family: "system-ui, sans-serif", size: 11 }, legend: { orientation: "h", y: -0.2 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff" };

  // A measure of another unit or scale (a ratio beside a total) gets the right-hand axis.
  function secondAxis(name, first) {
    const a = SPEC.metrics[name], b = SPEC.metrics[first];
    return a.format !== b.format || (a.calculation.kind === "ratio") !== (b.calculation.kind === "ratio");
  }

  function traces(visual, list) {
    const labels = list.map((g) => g.label);
    const label = (m) => SPEC.metrics[m].label;
    switch (visual.kind) {
      case "bar":
        return [{ type: "bar", orientation: "h", y: labels.slice().reverse(), x: list.map((g) => g.values[0]).reverse(), name: label(visual.measures[0]), marker: { color: COLORS[0] } }];
      case "column":
        // A measure on the second axis is drawn as line + markers: bars on two overlaid axes
        // share one slot per category and hide each other.
        return visual.measures.map((m, i) => {
          const onSecondAxis = i && secondAxis(m, visual.measures[0]);
          const trace = { x: labels, y: list.map((g) => g.values[i]), name: label(m), marker: { color: COLORS[i] }, yaxis: onSecondAxis ? "y2" : "y" };
          return onSecondAxis ? { ...trace, type: "scatter", mode: "lines+markers", line: { color: COLORS[i] } } : { ...trace, type: "bar" };
        });
      case "line":
        return visual.measures.map((m, i) => ({ type: "scatter", mode: "lines", x: labels, y: list.map((g) => g.values[i]), name: label(m), line: { color: COLORS[i] } }));
      case "donut":
        return [{ type: "pie", hole: 0.5, labels, values: list.map((g) => g.values[0]), marker: { colors: COLORS }, sort: false }];
      case "scatter":
        return [{ type: "scatter", mode: "markers+text", x: list.map((g) => g.values[0]), y: list.map((g) => g.values[1]), text: labels, textposition: "top center", marker: { size: 14, color: COLORS.slice(0, list.length) } }];
      case "table": {
        const header = [visual.category.column.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()), ...visual.measures.map(label)];
        const cells = [labels, ...visual.measures.map((m, i) => list.map((g) => format(m, g.values[i])))];
        return [{ type: "table", header: { values: header, fill: { color: "#f5f6fa" }, align: "left" }, cells: { values: cells, align: "left", height: 24 } }];
      }
      default:
        throw new Error("unknown visual kind " + visual.kind);
    }
  }

  function stacked(visual, ctx) {
    const seriesField = visual.series;
    const seriesGroups = groups({ ...visual, category: seriesField }, ctx);
    const categories = groups(visual, ctx).map((g) => g.label);
    return seriesGroups.map((s, i) => ({
      type: "bar", name: String(s.label), x: categories, marker: { color: COLORS[i % COLORS.length] },
      y: categories.map((c) => evaluate(visual.measures[0], { ...s.ctx, preds: [...s.ctx.preds, [visual.category, c]] })),
    }));
  }

  function pointCount(data) {
    return data.reduce((n, t) => n + (t.type === "table" ? t.cells.values[0].length
      : (t.values || t.y || []).filter((v) => v !== null && v !== undefined).length), 0);
  }

  function drawChart(element, visual, ctx) {
    const data = visual.kind === "stacked_column" ? stacked(visual, ctx) : traces(visual, series(visual, ctx));
    const layout = { ...LAYOUT, barmode: visual.kind === "stacked_column" ? "stack" : "group", showlegend: (visual.measures.length > 1 && visual.kind !== "scatter") || visual.kind === "stacked_column" || visual.kind === "donut" };
    if (visual.kind === "bar") layout.margin = { ...LAYOUT.margin, l: 170 };
    if (visual.kind === "scatter") {
      layout.xaxis = { title: { text: SPEC.metrics[visual.measures[0]].label } };
      layout.yaxis = { title: { text: SPEC.metrics[visual.measures[1]].label } };
    }
    if (data.some((t) => t.yaxis === "y2")) {
      // From zero, like the first axis, so small differences are not drawn as large ones.
      layout.yaxis2 = { overlaying: "y", side: "right", showgrid: false, rangemode: "tozero", automargin: true };
      layout.margin = { ...(layout.margin || {}), r: 60 };
    }
    element.dataset.points = String(pointCount(data));
    return Plotly.react(element, data, layout, { displayModeBar: false, responsive: true, staticPlot: false });
  }

  function defaultContext(page) {
    const weeks = page.recent_weeks;
    const from = weeks ? addDays(SPEC.calendar.lastWeekStart, -7 * (weeks - 1)) : CAL_FIRST;
    return { from, to: CAL_LAST, income: "", channel: "", preds: [] };
  }

  function filterBar(page, ctx, onChange) {
    const bar = document.createElement("section");
    bar.className = "filters";
    const wanted = SPEC.filters[page.key];
    const inputs = [];
    function add(html) { const span = document.createElement("label"); span.innerHTML = html; bar.appendChild(span); return span; }
    if (wanted.includes("date")) {
      add(`From <input type="date" id="filter-from" value="${ctx.from}" min="${CAL_FIRST}" max="${CAL_LAST}">`);
      add(`To <input type="date" id="filter-to" value="${ctx.to}" min="${CAL_FIRST}" max="${CAL_LAST}">`);
      inputs.push("filter-from", "filter-to");
    }
    const option = (v) => `<option value="${v}">${v || "All"}</option>`;
    if (wanted.includes("income")) {
      const brackets = [...new Set(customers.filter((c) => c.is_crm_customer).sort((a, b) => a.income_bracket_order - b.income_bracket_order).map((c) => c.income_bracket))];
      add(`Income bracket <select id="filter-income">${["", ...brackets].map(option).join("")}</select>`);
      inputs.push("filter-income");
    }
    if (wanted.includes("channel")) {
      const channels = [...new Set(TABLES.tickets.map((t) => t.ticket_channel))].sort();
      add(`Channel <select id="filter-channel">${["", ...channels].map(option).join("")}</select>`);
      inputs.push("filter-channel");
    }
    for (const id of inputs) {
      bar.querySelector("#" + id).addEventListener("change", () => {
        onChange({
          ...ctx,
          from: (bar.querySelector("#filter-from") || {}).value || ctx.from,
          to: (bar.querySelector("#filter-to") || {}).value || ctx.to,
          income: (bar.querySelector("#filter-income") || {}).value || "",
          channel: (bar.querySelector("#filter-channel") || {}).value || "",
        });
      });
    }
    return bar;
  }

  function kpiContext(visual, ctx) {
    if (!visual.latest_full_year) return ctx;
    const year = SPEC.calendar.latestFullYear;
    return { ...ctx, from: `${year}-01-01`, to: `${year}-12-31` };
  }

  function drawPage(page, root, ctx) {
    root.innerHTML = "";
    root.appendChild(filterBar(page, ctx, (next) => drawPage(page, root, next)));
    const cards = document.createElement("section");
    cards.className = "cards";
    root.appendChild(cards);
    const grid = document.createElement("section");
    grid.className = "grid";
    root.appendChild(grid);
    const pending = [];
    for (const visual of page.visuals) {
      if (visual.kind === "card") {
        const name = visual.measures[0];
        const value = evaluate(name, kpiContext(visual, ctx));
        const card = document.createElement("div");
        card.className = "card";
        card.dataset.metric = name;
        card.dataset.value = value === null ? "" : String(value);
        const suffix = visual.latest_full_year ? ` (${SPEC.calendar.latestFullYear})` : "";
        card.title = SPEC.metrics[name].description;
        card.innerHTML = `<div class="label">${SPEC.metrics[name].label}${suffix}</div><div class="value">${format(name, value)}</div>`;
        cards.appendChild(card);
      } else {
        const box = document.createElement("figure");
        box.className = "chart " + visual.kind;
        box.innerHTML = `<figcaption>${visual.title}</figcaption><div class="plot" id="chart-${visual.key}" data-visual="${visual.key}"></div>`;
        grid.appendChild(box);
        pending.push(drawChart(box.querySelector(".plot"), visual, ctx));
      }
    }
    window.CRM_READY = false;
    return Promise.all(pending).then(() => { window.CRM_READY = true; });
  }

  function drawOverview(root) {
    const ctx = { from: CAL_FIRST, to: CAL_LAST, income: "", channel: "", preds: [] };
    const list = document.createElement("section");
    list.className = "overview";
    for (const page of SPEC.pages) {
      const cards = page.visuals.filter((v) => v.kind === "card").map((v) => {
        const name = v.measures[0];
        return `<li data-metric="${name}">${SPEC.metrics[name].label}: <b>${format(name, evaluate(name, kpiContext(v, ctx)))}</b></li>`;
      });
      list.insertAdjacentHTML("beforeend", `<article><h2><a href="${page.key}.html">${page.title}</a></h2><ul>${cards.join("")}</ul></article>`);
    }
    root.appendChild(list);
    window.CRM_READY = true;
  }

  window.CRM = {
    evaluate,
    format,
    render(key) {
      const root = document.getElementById("page");
      if (key === "index") return drawOverview(root);
      const page = SPEC.pages.find((p) => p.key === key);
      return drawPage(page, root, defaultContext(page));
    },
  };
})();
