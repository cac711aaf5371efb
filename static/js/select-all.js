// "Select all on this page" for a table of checkboxes named "unit".
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll('input[type="checkbox"][name="unit"]').forEach((box) => { box.checked = all.checked; });
  });
});
