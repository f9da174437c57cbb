// After a refused form, move the focus to the summary of its problems, so a
// keyboard or screen-reader user starts there (the summary links to each field).
const summary = document.querySelector("[data-focus-on-load]");
if (summary) summary.focus();
