// The critical banner (templates/_alert_banner.html): re-reads the firing critical alerts every
// 30 seconds and when the page hears of new data, and shows or hides the banner without a reload.
(function () {
  "use strict";
  const POLL_MS = 30000;
  const banner = document.querySelector("[data-alert-banner]");
  if (!banner) { return; }
  const title = banner.querySelector("[data-alert-banner-title]");
  const list = banner.querySelector("[data-alert-banner-list]");
  let shown = "";

  async function load() {
    let lines;
    try {
      lines = (await window.northstar.fetchJSON("/alerts/critical-banner")).lines;
    } catch (error) {
      return;
    }
    const key = lines.join("\n");
    if (key === shown) { return; }
    shown = key;
    // Replacing the content of a role="alert" region makes screen readers announce it.
    title.textContent = lines.length ? lines.length + " critical alert" + (lines.length === 1 ? "" : "s") + " firing:" : "";
    list.replaceChildren(...lines.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    banner.hidden = lines.length === 0;
  }

  shown = Array.from(list.children, (item) => item.textContent.trim()).join("\n");
  document.addEventListener("northstar:refreshed", load);
  window.setInterval(load, POLL_MS);
})();
