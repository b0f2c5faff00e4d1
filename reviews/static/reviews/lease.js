// Lease countdown and keep-alive for the task page.
// Without this script the page still shows when the lease ends, and "Extend lease" posts the whole form
// (what was typed comes back). With it: a live countdown, "Extend lease" without leaving the page, and an
// automatic extension shortly before expiry, but only if the reviewer typed since the last one, so a
// forgotten tab does not hold a task forever.
(() => {
  "use strict";
  const box = document.querySelector("[data-lease]");
  const form = document.getElementById("verdict-form");
  if (!box || !form) return;
  const clock = box.querySelector("[data-clock]");
  const status = box.querySelector("[data-lease-status]");
  const extend = box.querySelector("[data-extend]");
  const leaseSeconds = Number(box.dataset.leaseSeconds) || 1200;
  // Extend this long before expiry: early enough for a slow request, late enough to need real activity.
  const threshold = Math.min(120, Math.max(15, leaseSeconds / 4)) * 1000;
  let deadline = Date.now() + Number(box.dataset.secondsLeft || 0) * 1000;
  let active = false;
  let pending = false;
  let warned = false;

  form.addEventListener("input", () => { active = true; });

  const say = (text) => { status.textContent = text; };
  const format = (ms) => {
    const total = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  };

  async function ping() {
    if (pending) return;
    pending = true;
    const body = new FormData();
    body.append("lease_token", form.elements.lease_token.value);
    try {
      const response = await fetch(box.dataset.heartbeatUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value, Accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok) {
        deadline = Date.now() + data.seconds_left * 1000;
        active = false;
        warned = false;
        box.classList.remove("warn", "expired");
        say(data.message);
      } else {
        if (response.status === 409) deadline = Date.now();
        say(data.detail || "The lease could not be extended. Save your draft to keep your work.");
      }
    } catch (error) {
      say("The server could not be reached to extend the lease. Save your draft to keep your work.");
    } finally {
      pending = false;
      tick();
    }
  }

  function tick() {
    const left = deadline - Date.now();
    if (left <= 0) {
      clock.textContent = "(expired)";
      if (!box.classList.contains("expired")) {
        box.classList.add("expired");
        say("Your lease has expired: someone else may take the task. Your text is kept when you save.");
      }
      return;
    }
    clock.textContent = `(${format(left)} left)`;
    if (left > threshold || pending) return;
    if (active) {
      ping();
    } else if (!warned) {
      warned = true;
      box.classList.add("warn");
      say("Your lease ends soon. Keep working and it is extended for you, or press “Extend lease”.");
    }
  }

  extend.addEventListener("click", (event) => {
    event.preventDefault();
    ping();
  });
  tick();
  window.setInterval(tick, 1000);
})();
