/* Northstar pages: charts (vega-embed from /vendor/vega-embed.js), live refresh, CSRF-aware fetch.
   Loaded with `defer` after the vega bundle; exposes window.northstar. No eval: charts are embedded
   with Vega's expression interpreter ({ast: true}) so the page runs under script-src 'self'. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  /* fetch(url) answering the parsed JSON; non-GET requests carry X-CSRF-Token. Rejects with an
     Error carrying .status and .body for a non-2xx answer. */
  async function fetchJSON(url, options) {
    var opts = Object.assign({ credentials: "same-origin" }, options || {});
    var method = (opts.method || "GET").toUpperCase();
    var headers = new Headers(opts.headers || {});
    headers.set("Accept", "application/json");
    if (method !== "GET" && method !== "HEAD") {
      headers.set("X-CSRF-Token", csrfToken());
      if (opts.body && typeof opts.body !== "string" && !(opts.body instanceof FormData)) {
        headers.set("Content-Type", "application/json");
        opts.body = JSON.stringify(opts.body);
      }
    }
    opts.headers = headers;
    var response = await fetch(url, opts);
    var text = await response.text();
    var body = text ? JSON.parse(text) : null;
    if (!response.ok) {
      var error = new Error("HTTP " + response.status + " for " + url);
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  }

  var EMBED_OPTIONS = {
    renderer: "svg", actions: false, ast: true, defaultStyle: false,
    tooltip: { disableDefaultStyle: true }
  };

  function cellText(value) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "number") return value.toLocaleString(undefined, { maximumFractionDigits: 6 });
    return String(value);
  }

  function fillTable(slot, chart) {
    var table = document.createElement("table");
    table.className = "data-table";
    var caption = document.createElement("caption");
    caption.textContent = chart.title;
    table.appendChild(caption);
    var head = table.createTHead().insertRow();
    chart.columns.forEach(function (column) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = column;
      head.appendChild(th);
    });
    var body = table.createTBody();
    chart.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (value) {
        var td = tr.insertCell();
        td.textContent = cellText(value);
        if (typeof value === "number") td.className = "number";
      });
    });
    slot.replaceChildren(table);
  }

  /* Draw one .ns-chart figure from its data-chart-src. */
  async function renderChart(figure) {
    var view = figure.querySelector(".ns-chart-view");
    var status = figure.querySelector(".ns-chart-status");
    var slot = figure.querySelector(".ns-table-slot");
    figure.setAttribute("aria-busy", "true");
    try {
      var chart = await fetchJSON(figure.dataset.chartSrc);
      if (slot) fillTable(slot, chart);
      if (chart.empty_reason) {
        view.replaceChildren();
        status.textContent = "No data to chart: " + chart.empty_reason;
      } else if (typeof window.vegaEmbed === "function") {
        var spec = Object.assign({}, chart.spec);
        delete spec.title;  /* the figure's caption shows it; exports keep it */
        var result = await window.vegaEmbed(view, spec, EMBED_OPTIONS);
        var svg = view.querySelector("svg");
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", chart.spec.description || chart.title);
        }
        figure._view = result.view;
        status.textContent = "";
      } else {
        status.textContent = "Charts need JavaScript; the table below has the numbers.";
      }
    } catch (error) {
      status.textContent = "The chart could not be loaded (" + error.message + ").";
    } finally {
      figure.removeAttribute("aria-busy");
    }
  }

  function setMark(figure, mark) {
    var params = new URLSearchParams(figure.dataset.query || "");
    params.set("mark", mark);
    var query = params.toString();
    figure.dataset.query = query;
    figure.dataset.chartSrc = "/charts/" + figure.dataset.chartId + ".json?" + query;
    figure.querySelectorAll("a.ns-download").forEach(function (link) {
      link.href = "/charts/" + figure.dataset.chartId + "." + link.dataset.format + "?" + query;
    });
    figure.querySelectorAll("button.ns-mark").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.mark === mark ? "true" : "false");
    });
    return renderChart(figure);
  }

  /* Draw every .ns-chart under root (default: the document) and wire its mark switcher. */
  function renderCharts(root) {
    var scope = root || document;
    var figures = Array.prototype.slice.call(scope.querySelectorAll(".ns-chart"));
    figures.forEach(function (figure) {
      if (!figure.dataset.wired) {
        figure.dataset.wired = "1";
        figure.querySelectorAll("button.ns-mark").forEach(function (button) {
          button.addEventListener("click", function () { setMark(figure, button.dataset.mark); });
        });
      }
    });
    return Promise.all(figures.map(renderChart));
  }

  /* Live refresh: an element with data-live-src (an HTML fragment URL) and data-live-target (the
     element the fragment replaces) is refreshed every data-refresh-seconds and whenever the server
     announces new data or a finished snapshot refresh on /api/v1/events/stream. */
  var live = { element: null, busy: false, again: false, source: null, timer: null };

  function stamp() {
    var now = new Date();
    document.querySelectorAll("time.last-updated").forEach(function (node) {
      node.setAttribute("datetime", now.toISOString());
      node.textContent = now.toISOString().slice(11, 19) + " UTC";
    });
  }

  function swapCards(target, fresh) {
    var focused = document.activeElement;
    var focusHref = focused && target.contains(focused) ? focused.getAttribute("href") : null;
    fresh.querySelectorAll("[data-card]").forEach(function (card) {
      var old = target.querySelector('[data-card="' + card.dataset.card + '"]');
      if (!old) return;
      var oldImg = old.querySelector("img.sparkline");
      var newImg = card.querySelector("img.sparkline");
      if (oldImg && newImg) newImg.src = newImg.getAttribute("src") + "&v=" + Date.now();
      if (old.innerHTML !== card.innerHTML || old.className !== card.className) {
        old.replaceWith(card);
      }
    });
    if (focusHref) {
      var again = target.querySelector('a[href="' + focusHref + '"]');
      if (again) again.focus();
    }
  }

  async function refresh() {
    if (!live.element) return;
    if (live.busy) { live.again = true; return; }
    live.busy = true;
    var status = document.querySelector(".live-status");
    try {
      var response = await fetch(live.element.dataset.liveSrc, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      var html = await response.text();
      var fresh = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html").body.firstChild;
      var target = document.querySelector(live.element.dataset.liveTarget);
      if (target) swapCards(target, fresh);
      stamp();
      if (status) status.textContent = "";
      document.dispatchEvent(new CustomEvent("northstar:refreshed"));
    } catch (error) {
      if (status) status.textContent = "(refresh failed: " + error.message + ")";
    } finally {
      live.busy = false;
      if (live.again) { live.again = false; refresh(); }
    }
  }

  function startLive() {
    live.element = document.querySelector("[data-live-src]");
    if (!live.element) return;
    var seconds = parseInt(live.element.dataset.refreshSeconds || "30", 10);
    live.timer = window.setInterval(refresh, Math.max(seconds, 5) * 1000);
    if (typeof window.EventSource === "function") {
      live.source = new EventSource("/api/v1/events/stream");
      ["commit", "refresh"].forEach(function (kind) {
        live.source.addEventListener(kind, function () { refresh(); });
      });
      live.source.addEventListener("open", function () { document.documentElement.dataset.live = "open"; });
    }
  }

  window.northstar = { fetchJSON: fetchJSON, renderCharts: renderCharts, renderChart: renderChart, refresh: refresh };

  function start() {
    renderCharts(document);
    startLive();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
