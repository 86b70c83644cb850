// A form sent back with errors opens with a summary of them (templates/includes/
// error_summary.html). Focus moves to it, so that a screen reader reads it first and a
// keyboard user starts there; each of its links then moves focus to the field it names.
// Without JavaScript the summary is still the first thing in the form, and its links
// still scroll to the fields.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.hash.slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });
});
