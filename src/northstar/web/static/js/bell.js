// The notification bell (templates/_bell.html): unread in-app notifications in a popover that the
// keyboard can open (Enter/Space), walk (Tab) and close (Escape, focus back on the bell); marking
// one as read removes it. Refreshed every 30 seconds and whenever the page hears of new data.
(function () {
  "use strict";
  const POLL_MS = 30000;
  const root = document.querySelector("[data-bell]");
  if (!root) { return; }
  const button = root.querySelector(".bell-button");
  const popover = root.querySelector(".bell-popover");
  const countBadge = root.querySelector("[data-bell-count]");
  const label = root.querySelector("[data-bell-label]");
  const list = root.querySelector("[data-bell-list]");
  const status = root.querySelector("[data-bell-status]");
  const readAll = root.querySelector("[data-bell-read-all]");
  let items = [];
  let unread = 0;

  function fetchJSON(url, options) {
    return window.northstar.fetchJSON(url, options);
  }

  function when(value) {
    if (!value) { return ""; }
    const at = new Date(value.endsWith("Z") || value.includes("+") ? value : value + "Z");
    return Number.isNaN(at.getTime()) ? value : at.toLocaleString();
  }

  function render() {
    const count = Math.max(unread, items.length);
    countBadge.textContent = String(count);
    countBadge.hidden = count === 0;
    label.textContent = count ? "Notifications, " + count + " unread" : "Notifications, none unread";
    root.dataset.unread = String(count);
    readAll.hidden = count === 0;
    status.textContent = count ? count + " unread notification" + (count === 1 ? "" : "s") + "." : "No unread notifications.";
    list.replaceChildren();
    for (const item of items) {
      const entry = document.createElement("li");
      entry.className = "bell-item" + (item.severity ? " severity-" + item.severity : "");
      entry.dataset.notification = String(item.id);
      const title = document.createElement(item.link ? "a" : "strong");
      title.className = "bell-item-title";
      title.textContent = item.title;
      if (item.link) { title.href = item.link; }
      const body = document.createElement("p");
      body.className = "bell-item-body";
      body.textContent = item.body;
      const meta = document.createElement("p");
      meta.className = "bell-item-meta";
      const time = document.createElement("time");
      time.dateTime = item.created_at || "";
      time.textContent = when(item.created_at);
      meta.append(time);
      const mark = document.createElement("button");
      mark.type = "button";
      mark.className = "bell-action";
      mark.textContent = "Mark as read";
      mark.setAttribute("aria-label", "Mark as read: " + title.textContent);
      mark.addEventListener("click", () => markRead([item.id]));
      entry.append(title, body, meta, mark);
      list.append(entry);
    }
  }

  async function load() {
    try {
      const answer = await fetchJSON(root.dataset.unreadUrl);
      items = answer.notifications.filter((item) => !item.read_at);
      unread = answer.unread;
      render();
    } catch (error) {
      status.textContent = "Notifications could not be loaded.";
    }
  }

  async function markRead(ids) {
    const index = ids.length === 1 ? items.findIndex((item) => item.id === ids[0]) : 0;
    await Promise.all(ids.map((id) => fetchJSON(root.dataset.readUrl + encodeURIComponent(id) + "/read",
                                                 { method: "POST" })));
    items = items.filter((item) => !ids.includes(item.id));
    unread = Math.max(0, unread - ids.length);
    render();
    // Keep the keyboard in the list: the next entry's button, else the bell itself.
    const remaining = list.querySelectorAll(".bell-item button");
    const target = remaining[Math.min(index, remaining.length - 1)] || button;
    if (!popover.hidden) { target.focus(); }
  }

  function open() {
    popover.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const first = popover.querySelector("a, button:not([hidden])");
    if (first) { first.focus(); }
  }

  function close(returnFocus) {
    popover.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (returnFocus) { button.focus(); }
  }

  button.addEventListener("click", () => (popover.hidden ? open() : close(false)));
  readAll.addEventListener("click", () => markRead(items.map((item) => item.id)));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !popover.hidden) { event.preventDefault(); close(true); }
  });
  document.addEventListener("click", (event) => {
    if (!popover.hidden && !root.contains(event.target)) { close(false); }
  });
  root.addEventListener("focusout", (event) => {
    if (!popover.hidden && event.relatedTarget && !root.contains(event.relatedTarget)) { close(false); }
  });
  document.addEventListener("northstar:refreshed", load);
  window.setInterval(load, POLL_MS);
  load();
})();
