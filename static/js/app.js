// Marks that JavaScript runs, so the CSS can collapse the phone menu behind its toggle.
// Without JavaScript the menu stays open and every link and form in it works.
document.documentElement.classList.remove("no-js");

// The wizard's last autosave, sent when the page is hidden or closed.
//
// htmx posts the form on each change, but a request still open or queued when the tab
// closes dies with it, and a number typed without leaving the field has fired no change
// yet. A fetch with `keepalive` outlives the page. It posts what htmx posts: the whole
// form with its CSRF token, `nav=autosave` and the HX-Request header, so the server
// treats it as an autosave and checks its revision like any other.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";

  const form = document.querySelector("form[data-autosave-flush]");
  if (!form) {
    return;
  }

  // The answers alone, to compare: the revision changes with every save.
  function answers() {
    const data = new FormData(form);
    data.delete("revision");
    data.delete("csrfmiddlewaretoken");
    return new URLSearchParams(data).toString();
  }

  let settled = answers(); // what the server last answered to (as first rendered)
  let flushed = null; // what the last flush sent, so hidden then closed sends once
  let submitting = false; // a button's normal submit carries the answers itself
  const carried = new WeakMap(); // htmx request -> the answers it carried

  form.addEventListener("htmx:beforeRequest", (event) => {
    carried.set(event.detail.xhr, answers());
  });
  form.addEventListener("htmx:afterRequest", (event) => {
    // Any reply settles what was sent: saved, or refused (stale, invalid) with a
    // message; sending the same answers again would change neither.
    if (event.detail.xhr.status === 200) {
      settled = carried.get(event.detail.xhr);
      flushed = null;
    }
  });
  form.addEventListener("submit", () => {
    submitting = true;
  });

  function flush() {
    const current = answers();
    // An htmx request still open is not settled: the flush sends its answers again,
    // since the page may be closing under it. The server's revision check makes the
    // second copy harmless.
    if (submitting || current === settled || current === flushed) {
      return;
    }
    flushed = current;
    const body = new URLSearchParams(new FormData(form));
    body.set("nav", "autosave");
    fetch(form.getAttribute("hx-post"), {
      method: "POST",
      body: body,
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
      keepalive: true,
    })
      .then((response) => (response.ok ? response.text() : Promise.reject()))
      .then((reply) => {
        // Only read when the page lives on (it was hidden, not closed): show the
        // reply as htmx would, so the next autosave carries the new revision.
        settled = current;
        const before = Number(form.elements.revision.value);
        htmx.swap("#autosave-status", reply, { swapStyle: "innerHTML" });
        // A slower htmx reply may have brought a newer revision first: keep it.
        if (Number(form.elements.revision.value) < before) {
          form.elements.revision.value = String(before);
        }
      })
      .catch(() => {
        flushed = null; // not sent: try again when next hidden
      });
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
  window.addEventListener("pagehide", flush);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      submitting = false; // back from the browser's page cache after a submit
    }
  });
});
