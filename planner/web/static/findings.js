// The findings register, enhanced: a "select every finding on this page"
// checkbox for bulk triage. Without JavaScript it stays hidden and each
// finding is ticked on its own; the form works the same.
for (const all of document.querySelectorAll("input[data-select-all]")) {
  const form = all.closest("form");
  const boxes = () => form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`);
  const sync = () => {
    const ticked = [...boxes()].filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  };
  all.hidden = false;
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  form.addEventListener("change", (event) => {
    if (event.target !== all) sync();
  });
  sync();
}
