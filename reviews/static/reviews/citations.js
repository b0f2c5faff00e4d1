// Citation rows: add and remove them in place.
// Without this script the page renders spare blank rows and a "Remove this citation" checkbox per row; the
// script drives the same fields (TOTAL_FORMS, the DELETE checkboxes), so the server reads both the same way.
(() => {
  "use strict";
  const box = document.querySelector("[data-citations]");
  if (!box) return;
  const list = box.querySelector("[data-citation-rows]");
  const template = box.querySelector("template[data-citation-template]");
  const add = box.querySelector("[data-add-citation]");
  const total = box.querySelector('input[name$="-TOTAL_FORMS"]');
  const initial = Number(box.querySelector('input[name$="-INITIAL_FORMS"]').value);
  if (!list || !template || !add || !total) return;

  const rows = () => [...list.querySelectorAll("[data-citation-row]")];
  const isBlank = (row) =>
    !row.querySelector(".errorlist") &&
    [...row.querySelectorAll("input:not([type=checkbox]):not([type=hidden]), textarea")].every(
      (field) => !field.value.trim(),
    );

  function renumber() {
    rows()
      .filter((row) => !row.hidden)
      .forEach((row, index) => {
        row.querySelector("[data-row-legend]").textContent = `Citation ${index + 1}`;
        row.querySelector("[data-remove-citation]")?.setAttribute("aria-label", `Remove citation ${index + 1}`);
      });
  }

  function enhance(row) {
    const slot = row.querySelector("[data-remove-slot]");
    const checkbox = slot.querySelector("input[type=checkbox]");
    if (checkbox.checked) row.hidden = true;
    slot.hidden = true;
    const actions = document.createElement("div");
    actions.className = "row-actions";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.textContent = "Remove";
    remove.dataset.removeCitation = "";
    remove.addEventListener("click", () => {
      checkbox.checked = true;
      row.hidden = true;
      renumber();
      add.focus();
    });
    actions.append(remove);
    slot.after(actions);
  }

  function addRow() {
    const index = Number(total.value);
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    const row = rows().at(-1);
    enhance(row);
    renumber();
    row.querySelector("input, textarea").focus();
  }

  // The spare blank rows are for pages without this script: keep one to type into, drop the rest. Only
  // trailing rows past the saved ones go, so the remaining rows keep their numbers.
  let current = rows();
  while (current.length > 1 && current.length > initial && isBlank(current.at(-1)) && isBlank(current.at(-2))) {
    current.at(-1).remove();
    current = rows();
  }
  total.value = String(current.length);
  current.forEach(enhance);
  renumber();
  add.hidden = false;
  add.addEventListener("click", addRow);
})();
