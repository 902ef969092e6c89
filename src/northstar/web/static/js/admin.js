/* The admin page: create users and keys, change roles, disable users, revoke keys, through
   /api/v1/admin with window.northstar.fetchJSON (which sends the CSRF header). A created key or a
   generated password is shown once in #admin-result; other changes reload the tables. */
(function () {
  "use strict";

  var result = document.getElementById("admin-result");
  var failure = document.getElementById("admin-error");

  function say(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  function explain(error) {
    var body = error && error.body;
    if (body && Array.isArray(body.detail)) {
      return body.detail.map(function (item) { return (item.loc || []).slice(-1)[0] + ": " + item.msg; }).join("; ");
    }
    if (body && body.detail) return String(body.detail);
    return error && error.message ? error.message : "The request failed.";
  }

  async function send(url, options) {
    say(failure, "");
    try {
      return await window.northstar.fetchJSON(url, options);
    } catch (error) {
      say(failure, explain(error));
      throw error;
    }
  }

  function reloadSoon() {
    window.location.reload();
  }

  document.getElementById("user-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var form = event.target;
    var body = { email: form.email.value, role: form.role.value };
    if (form.password.value) body.password = form.password.value;
    var created = await send("/api/v1/admin/users", { method: "POST", body: body });
    form.reset();
    say(result, created.password
      ? "Created " + created.user.email + ". Their password (shown only now): " + created.password
      : "Created " + created.user.email + ".");
  });

  document.getElementById("key-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var form = event.target;
    var body = { kind: form.kind.value, name: form.name.value };
    if (form.kind.value === "read") body.role = form.role.value;
    var created = await send("/api/v1/admin/keys", { method: "POST", body: body });
    form.reset();
    say(result, "Key " + created.listing.name + " (shown only now): " + created.key);
  });

  var kind = document.getElementById("key-kind");
  kind.addEventListener("change", function () {
    document.getElementById("key-role-field").hidden = kind.value !== "read";
  });

  document.querySelectorAll(".user-role").forEach(function (select) {
    select.addEventListener("change", async function () {
      await send("/api/v1/admin/users/" + encodeURIComponent(select.dataset.userId),
                 { method: "PATCH", body: { role: select.value } });
      reloadSoon();
    });
  });

  document.querySelectorAll(".user-toggle").forEach(function (button) {
    button.addEventListener("click", async function () {
      var disable = button.dataset.disabled !== "true";
      await send("/api/v1/admin/users/" + encodeURIComponent(button.dataset.userId),
                 { method: "PATCH", body: { disabled: disable } });
      reloadSoon();
    });
  });

  document.querySelectorAll(".key-revoke").forEach(function (button) {
    button.addEventListener("click", async function () {
      if (!window.confirm("Revoke this key? Requests with it are refused from now on.")) return;
      await send("/api/v1/admin/keys/" + encodeURIComponent(button.dataset.keyId), { method: "DELETE" });
      reloadSoon();
    });
  });
})();
