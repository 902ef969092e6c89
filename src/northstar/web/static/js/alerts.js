// The alerts manager page (templates/alerts*.html): sends the rule form, acknowledgements,
// resolutions, deletions and channel tests to the JSON API through northstar.fetchJSON (CSRF
// header), shows each 422 message next to the field its `loc` names, previews the condition on
// the metric's recent values, and loads a rule's history on demand.
(function () {
  "use strict";
  const API = "/api/v1/metrics/alerts";
  const CHANNELS = "/api/v1/notification-channels";
  // Fields that an edit sends as null to clear them (the API resets them then).
  const RESETTABLE = ["name", "repeat_interval_minutes", "quiet_hours"];
  // Options only some condition types use: an edit that changes the type clears the others.
  const TYPE_OPTIONS = ["days_earlier", "trend_method", "periods", "season_length", "history", "target_date"];
  // Condition types whose threshold_value is in the metric's unit (the others: %, deviations).
  const SCALED_TYPES = ["threshold", "trend", "target"];

  function fetchJSON(url, options) {
    return window.northstar.fetchJSON(url, options);
  }

  // Reload /alerts keeping the severity filter, with a notice the server turns into a status line.
  function reloadWith(notice) {
    const url = new URL(window.location.href);
    url.searchParams.delete("edit");
    url.searchParams.set("notice", notice);
    url.hash = "";
    window.location.assign(url.toString());
  }

  function problemText(error) {
    if (error.body && typeof error.body.detail === "string") { return error.body.detail; }
    return error.message;
  }

  // ---- Field errors (422 `detail[].loc`) ---------------------------------------------------

  function fieldPath(loc) {
    const parts = (loc || []).filter((part) => typeof part === "string");
    if (parts[0] === "body") { parts.shift(); }
    return parts.join(".");
  }

  function visible(element) {
    return !element.closest("[hidden]");
  }

  function errorSlot(form, path) {
    let name = path;
    while (name) {
      const slot = Array.from(form.querySelectorAll('[data-error-for="' + CSS.escape(name) + '"]')).find(visible);
      if (slot) { return slot; }
      name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "";
    }
    return null;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach((input) => input.removeAttribute("aria-invalid"));
    const summary = form.querySelector("[data-form-summary]");
    if (summary) { summary.textContent = ""; summary.classList.remove("error"); }
  }

  // Put each message next to its field; answer the first invalid control (to focus).
  function showErrors(form, error, what) {
    const summary = form.querySelector("[data-form-summary]");
    const detail = error.body && Array.isArray(error.body.detail) ? error.body.detail : null;
    if (!detail) {
      summary.textContent = what + " " + problemText(error);
      summary.classList.add("error");
      return summary;
    }
    let first = null;
    const unplaced = [];
    for (const item of detail) {
      const message = String(item.msg || "invalid").replace(/^Value error, /, "");
      const slot = errorSlot(form, fieldPath(item.loc));
      if (!slot) { unplaced.push(message); continue; }
      slot.textContent = slot.textContent ? slot.textContent + " " + message : message;
      const control = form.querySelector('[aria-describedby~="' + CSS.escape(slot.id) + '"]');
      if (control) {
        control.setAttribute("aria-invalid", "true");
        first = first || (control.matches("fieldset") ? control.querySelector("input") : control);
      }
    }
    const count = detail.length;
    summary.textContent = what + " " + count + " problem" + (count === 1 ? "" : "s") + " to fix" +
      (unplaced.length ? ": " + unplaced.join("; ") : ", shown next to the field" + (count === 1 ? "" : "s") + ".");
    summary.classList.add("error");
    return first || summary;
  }

  // ---- The rule form ----------------------------------------------------------------------

  const form = document.querySelector("[data-rule-form]");
  if (form) { wireRuleForm(form); }

  function wireRuleForm(ruleForm) {
    const metric = ruleForm.querySelector('[data-field="metric_name"]');
    const typeSelect = ruleForm.querySelector('[data-field="alert_type"]');
    const scales = JSON.parse(ruleForm.dataset.scales || "{}");
    const ruleId = ruleForm.dataset.ruleId;
    const preview = ruleForm.querySelector("[data-preview]");
    let previewTimer = null;
    let previewRun = 0;

    function currentType() { return typeSelect.value; }

    function selectedOption() { return metric.options[metric.selectedIndex]; }

    function scale() {
      return SCALED_TYPES.includes(currentType()) ? (scales[metric.value] || 1) : 1;
    }

    function showCondition() {
      ruleForm.querySelectorAll("[data-condition]").forEach((block) => {
        block.hidden = block.dataset.condition !== currentType();
      });
    }

    function showUnit() {
      const option = selectedOption();
      const hint = option && option.dataset.unitHint ? option.dataset.unitHint : "In the metric's unit.";
      ruleForm.querySelectorAll("span[data-unit-hint]").forEach((node) => { node.textContent = hint; });
    }

    function controls() {
      return Array.from(ruleForm.querySelectorAll("[data-field]")).filter(visible);
    }

    function read(control) {
      const kind = control.dataset.kind;
      const raw = typeof control.value === "string" ? control.value.trim() : control.value;
      if (kind === "flag") { return control.checked; }
      if (kind === "int") { return raw === "" ? null : Number(raw); }
      if (kind === "list") { return raw.split(",").map((part) => part.trim()).filter(Boolean); }
      if (kind === "lines") { return raw.split("\n").map((part) => part.trim()).filter(Boolean); }
      if (control.type === "number") {
        if (raw === "") { return null; }
        const typed = Number(raw);
        if (!Number.isFinite(typed)) { return raw; }
        return control.dataset.scaled ? Number((typed * scale()).toPrecision(12)) : typed;
      }
      return raw === "" ? null : raw;
    }

    // The form as an API body: {field: value}, dotted fields grouped into their objects.
    function payload(forUpdate) {
      const body = { notification_channels: [] };
      const quiet = {};
      const step = {};
      for (const control of controls()) {
        const field = control.dataset.field;
        if (control.dataset.kind === "checkbox") {
          if (control.checked) { body[field].push(control.value); }
          continue;
        }
        const value = read(control);
        if (field === "filters.user_type") {
          body.filters = value ? { user_type: value } : {};
        } else if (field.startsWith("quiet_hours.")) {
          quiet[field.slice(12)] = value;
        } else if (field.startsWith("escalation.")) {
          step[field.slice(11)] = value;
        } else {
          body[field] = value;
        }
      }
      body.quiet_hours = quiet.start || quiet.end ? quiet : null;
      const later = JSON.parse(ruleForm.dataset.escalationRest || "[]");
      body.escalation = (step.after_minutes !== null && step.after_minutes !== undefined ? [step] : []).concat(later);
      for (const [field, value] of Object.entries(body)) {
        const resettable = RESETTABLE.includes(field) || TYPE_OPTIONS.includes(field);
        if (value === null && !(forUpdate && resettable)) { delete body[field]; }
      }
      if (forUpdate) {
        for (const option of TYPE_OPTIONS) {
          if (!(option in body)) { body[option] = null; }
        }
      }
      return body;
    }

    async function submit(event) {
      event.preventDefault();
      clearErrors(ruleForm);
      const button = ruleForm.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        if (ruleId) {
          await fetchJSON(API + "/" + encodeURIComponent(ruleId), { method: "PATCH", body: payload(true) });
          reloadWith("saved");
        } else {
          await fetchJSON(API, { method: "POST", body: payload(false) });
          reloadWith("created");
        }
      } catch (error) {
        showErrors(ruleForm, error, "The rule was not saved:").focus();
      } finally {
        button.disabled = false;
      }
    }

    function previewTable(answer) {
      const table = document.createElement("table");
      const caption = document.createElement("caption");
      caption.textContent = answer.metric_label + " against “" + answer.condition_text + "”";
      table.append(caption);
      const head = table.createTHead().insertRow();
      for (const title of ["Day", "Value", "Condition"]) {
        const cell = document.createElement("th");
        cell.scope = "col";
        cell.textContent = title;
        head.append(cell);
      }
      const body = table.createTBody();
      for (const point of answer.points.slice().reverse()) {
        const row = body.insertRow();
        const day = document.createElement("th");
        day.scope = "row";
        day.textContent = point.date;
        row.append(day);
        row.insertCell().textContent = point.display || (point.reason ? "No value (" + point.reason + ")" : "No value");
        const verdict = row.insertCell();
        verdict.textContent = point.holds === true ? "Breaks the condition" : point.holds === false ? "OK" : "Cannot tell";
        if (point.holds === true) { verdict.className = "breach"; }
      }
      return table;
    }

    async function previewChart(slot, answer, factor) {
      slot.replaceChildren();
      if (typeof window.vegaEmbed !== "function") { return; }
      const values = answer.points.filter((point) => point.value !== null).map((point) => ({
        day: point.date, value: point.value / factor,
        verdict: point.holds === true ? "Breaks the condition" : point.holds === false ? "OK" : "Cannot tell",
      }));
      if (!values.length) { return; }
      const layers = [
        { mark: { type: "line", color: "#4b5563" }, encoding: {
          x: { field: "day", type: "temporal", title: null },
          y: { field: "value", type: "quantitative", title: answer.metric_label } } },
        { mark: { type: "point", filled: true, size: 60 }, encoding: {
          x: { field: "day", type: "temporal" }, y: { field: "value", type: "quantitative" },
          shape: { field: "verdict", type: "nominal", title: null, scale: {
            domain: ["Breaks the condition", "OK", "Cannot tell"] } },
          color: { field: "verdict", type: "nominal", title: null, scale: {
            domain: ["Breaks the condition", "OK", "Cannot tell"], range: ["#b91c1c", "#166534", "#6b7280"] } } } },
      ];
      const bound = currentType() === "threshold" ? read(ruleForm.querySelector("#threshold-value")) : null;
      if (typeof bound === "number") {
        layers.push({ data: { values: [{ bound: bound / factor }] }, mark: { type: "rule", color: "#b91c1c", strokeDash: [4, 4] },
                      encoding: { y: { field: "bound", type: "quantitative" } } });
      }
      const spec = {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        description: answer.metric_label + " over the last " + answer.points.length + " points against " + answer.condition_text,
        width: "container", height: 160, data: { values: values }, layer: layers,
      };
      await window.vegaEmbed(slot, spec, { renderer: "svg", actions: false, ast: true, defaultStyle: false,
                                         tooltip: { disableDefaultStyle: true } });
      const svg = slot.querySelector("svg");
      if (svg) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", spec.description);
      }
    }

    async function runPreview() {
      const status = preview.querySelector("[data-preview-status]");
      const tableSlot = preview.querySelector("[data-preview-table]");
      const chartSlot = preview.querySelector("[data-preview-chart]");
      if (!metric.value) {
        status.textContent = "Choose a metric to see its recent values.";
        return;
      }
      const run = ++previewRun;
      status.textContent = "Loading the preview…";
      preview.setAttribute("aria-busy", "true");
      try {
        const answer = await fetchJSON(API + "/preview?points=30", { method: "POST", body: payload(false) });
        if (run !== previewRun) { return; }
        const breaks = answer.points.filter((point) => point.holds === true).length;
        status.textContent = answer.condition_text + ": breaks on " + breaks + " of the last " + answer.points.length + " points.";
        tableSlot.replaceChildren(previewTable(answer));
        await previewChart(chartSlot, answer, scale());
      } catch (error) {
        if (run !== previewRun) { return; }
        const detail = error.body && Array.isArray(error.body.detail) ? error.body.detail : null;
        status.textContent = "No preview yet: " + (detail
          ? detail.map((item) => (fieldPath(item.loc) || "rule") + ": " + String(item.msg).replace(/^Value error, /, "")).join("; ")
          : problemText(error));
        tableSlot.replaceChildren();
        chartSlot.replaceChildren();
      } finally {
        preview.removeAttribute("aria-busy");
      }
    }

    function schedulePreview() {
      window.clearTimeout(previewTimer);
      previewTimer = window.setTimeout(runPreview, 600);
    }

    // A consecutive trend has no bound: its slope field only shows for the slope method.
    const trendMethod = ruleForm.querySelector('[data-condition="trend"] [data-field="trend_method"]');
    function showTrendMethod() {
      ruleForm.querySelector("#trend-value").closest(".field").hidden = trendMethod.value !== "slope";
    }

    trendMethod.addEventListener("change", showTrendMethod);
    typeSelect.addEventListener("change", () => { showCondition(); schedulePreview(); });
    metric.addEventListener("change", () => { showUnit(); schedulePreview(); });
    ruleForm.addEventListener("input", (event) => {
      if (event.target.closest(".condition") || event.target.matches("select")) { schedulePreview(); }
    });
    preview.querySelector("[data-preview-button]").addEventListener("click", runPreview);
    ruleForm.addEventListener("submit", submit);
    showCondition();
    showTrendMethod();
    showUnit();
    if (metric.value) { schedulePreview(); }
  }

  // ---- Acknowledge and resolve ---------------------------------------------------------------

  document.querySelectorAll("[data-alert-actions]").forEach((actions) => {
    actions.addEventListener("submit", async (event) => {
      event.preventDefault();
      const action = event.submitter && event.submitter.value === "ack" ? "ack" : "resolve";
      const note = actions.querySelector('[name="note"]').value.trim();
      const status = actions.querySelector("[data-form-status]");
      status.classList.remove("error");
      status.textContent = action === "ack" ? "Acknowledging…" : "Resolving…";
      try {
        await fetchJSON(API + "/" + encodeURIComponent(actions.dataset.alertActions) + "/" + action,
                        { method: "POST", body: { note: note || null } });
        reloadWith(action === "ack" ? "acknowledged" : "resolved");
      } catch (error) {
        status.classList.add("error");
        status.textContent = "Not done: " + problemText(error);
      }
    });
  });

  // ---- History --------------------------------------------------------------------------------

  function historyLine(event) {
    const at = event.at.replace("T", " ").slice(0, 16) + " UTC";
    const value = event.value_display ? " at " + event.value_display : "";
    const texts = {
      transition: (event.from_state || "?") + " → " + (event.to_state || "?") + value,
      ack: "acknowledged", resolve: "resolved by hand", created: "rule created", updated: "rule changed",
    };
    let line = at + ": " + (texts[event.kind] || event.kind);
    if (event.detail) { line += " (" + event.detail + ")"; }
    if (event.note) { line += " — “" + event.note + "”"; }
    return line;
  }

  document.querySelectorAll("[data-history]").forEach((button) => {
    button.addEventListener("click", async () => {
      const region = document.getElementById(button.getAttribute("aria-controls"));
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      region.hidden = open;
      if (open || region.dataset.loaded) { return; }
      const status = region.querySelector("[data-history-status]");
      const list = region.querySelector("[data-history-list]");
      status.textContent = "Loading the history…";
      try {
        const events = await fetchJSON(API + "/" + encodeURIComponent(button.dataset.history) + "/history");
        list.replaceChildren(...events.map((event) => {
          const item = document.createElement("li");
          item.textContent = historyLine(event);
          return item;
        }));
        status.textContent = events.length ? events.length + " event" + (events.length === 1 ? "" : "s") + ", newest first."
          : "Nothing has happened yet.";
        region.dataset.loaded = "1";
      } catch (error) {
        status.textContent = "The history could not be loaded: " + problemText(error);
      }
    });
  });

  // ---- Delete ---------------------------------------------------------------------------------

  document.querySelectorAll("[data-delete]").forEach((button) => {
    button.addEventListener("click", async () => {
      if (!window.confirm("Delete the rule “" + button.dataset.name + "”?")) { return; }
      try {
        await fetchJSON(API + "/" + encodeURIComponent(button.dataset.delete), { method: "DELETE" });
        reloadWith("deleted");
      } catch (error) {
        const status = document.querySelector("[data-page-status]");
        status.classList.add("error");
        status.textContent = "The rule was not deleted: " + problemText(error);
      }
    });
  });

  // ---- Channels ---------------------------------------------------------------------------------

  document.querySelectorAll("[data-test-channel]").forEach((button) => {
    button.addEventListener("click", async () => {
      const outcome = document.getElementById(button.getAttribute("aria-describedby"));
      outcome.className = "test-outcome";
      outcome.textContent = "Sending a test notification…";
      button.disabled = true;
      try {
        const answer = await fetchJSON(CHANNELS + "/" + encodeURIComponent(button.dataset.testChannel) + "/test",
                                       { method: "POST" });
        const delivered = answer.status === "delivered";
        outcome.classList.add(delivered ? "ok" : "error");
        outcome.textContent = delivered ? "Delivered." : "Failed: " + (answer.error || "no reason given");
      } catch (error) {
        outcome.classList.add("error");
        outcome.textContent = "Failed: " + problemText(error);
      } finally {
        button.disabled = false;
      }
    });
  });

  const channelForm = document.querySelector("[data-channel-form]");
  if (channelForm) {
    channelForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(channelForm);
      const body = {};
      channelForm.querySelectorAll("[data-field]").forEach((control) => {
        const field = control.dataset.field;
        if (control.dataset.kind === "flag") { body[field] = control.checked; return; }
        const value = control.value.trim();
        if (value !== "") { body[field] = value; }
      });
      try {
        const channel = await fetchJSON(CHANNELS, { method: "POST", body: body });
        if (!channel.secret) { reloadWith("channel"); return; }
        const shown = channelForm.querySelector("[data-channel-secret]");
        shown.replaceChildren(
          document.createTextNode("Channel “" + channel.name + "” added. Its signing secret, shown only now: "),
          Object.assign(document.createElement("code"), { textContent: channel.secret }),
          document.createTextNode(". "),
          Object.assign(document.createElement("a"), { href: "/alerts?notice=channel", textContent: "Show it in the list" }),
        );
      } catch (error) {
        showErrors(channelForm, error, "The channel was not added:").focus();
      }
    });
  }
})();
