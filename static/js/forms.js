/* Long forms with a sticky save bar: keep the field that has the focus above the bar.
   Browsers scroll a focused field just into view (ignoring scroll-padding), which on a
   phone leaves it under the bar; so look again once that scroll is done. */
document.addEventListener("focusin", (event) => {
  const form = event.target.closest("form");
  const bar = form && form.querySelector(".save-bar");
  if (!bar || bar.contains(event.target)) return;
  requestAnimationFrame(() => {
    const field = event.target.getBoundingClientRect();
    const barTop = bar.getBoundingClientRect().top;
    if (field.bottom > barTop) window.scrollBy({ top: field.bottom - barTop + 8, behavior: "instant" });
  });
});

/* Date pickers follow the browser's language, which is not always Vietnamese: repeat the
   chosen day under the field as federation paperwork writes it, dd/mm/yyyy. */
function echoDate(input) {
  let echo = input.parentElement.querySelector(".date-echo");
  if (!echo) {
    echo = document.createElement("div");
    echo.className = "form-text date-echo";
    echo.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", echo);
  }
  const [y, m, d] = (input.value || "").split("-");
  echo.textContent = y && m && d ? `${d}/${m}/${y}` : "";
}
document.querySelectorAll('input[type="date"]').forEach((input) => {
  echoDate(input);
  input.addEventListener("input", () => echoDate(input));
  input.addEventListener("change", () => echoDate(input));
});

/* A field needed only when another one changes (the day a new category applies from):
   hidden until that field differs from the value the page was opened with, unless it
   has an error to show. Without JS it is always shown, and the server asks for it. */
document.querySelectorAll("[data-shown-when-changed]").forEach((input) => {
  const source = document.getElementById(input.dataset.shownWhenChanged);
  const wrapper = document.getElementById(`div_${input.id}`) || input.parentElement;
  if (!source) return;
  const update = () => {
    wrapper.hidden = source.value === input.dataset.original && !input.classList.contains("is-invalid");
  };
  update();
  source.addEventListener("change", update);
});
