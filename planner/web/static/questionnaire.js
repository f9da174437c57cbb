// The questionnaire page, enhanced: as answers change, ask the server which
// questions apply now (it alone decides) and show or hide them; warn before
// leaving the page with changes not saved. Without this file the page works
// the same, a save re-evaluating which questions apply.
const form = document.querySelector("form.questionnaire");

if (form) {
  const url = form.dataset.applicabilityUrl;
  const news = document.getElementById("applicability-news");
  let dirty = false;
  let submitting = false;
  let timer = null;
  let asked = 0;

  const legendOf = (fieldset) => fieldset.querySelector("legend").textContent.trim();

  async function refresh() {
    const ask = ++asked;
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch {
      return; // offline: the next save decides
    }
    if (!response.ok || ask !== asked) return;
    const applies = await response.json();
    const appeared = [];
    const gone = [];
    for (const fieldset of form.querySelectorAll("fieldset[data-question]")) {
      const id = fieldset.dataset.question;
      if (!(id in applies) || applies[id] === !fieldset.hidden) continue;
      fieldset.hidden = !applies[id];
      fieldset.disabled = !applies[id];
      (applies[id] ? appeared : gone).push(legendOf(fieldset));
    }
    const parts = [];
    if (appeared.length) parts.push(`${appeared.length} more question${appeared.length > 1 ? "s" : ""}: ${appeared.join("; ")}`);
    if (gone.length) parts.push(`${gone.length} question${gone.length > 1 ? "s" : ""} no longer asked: ${gone.join("; ")}`);
    if (parts.length) news.textContent = parts.join(". ");
  }

  form.addEventListener("input", () => {
    dirty = true;
  });
  form.addEventListener("change", (event) => {
    dirty = true;
    if (event.target.closest("details.notes")) return; // comments never change which questions apply
    clearTimeout(timer);
    timer = setTimeout(refresh, 120);
  });
  form.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
