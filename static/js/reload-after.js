// Reload the page after the seconds its element with data-reload-after says (the
// "facts being prepared" page): the figures show once they are ready.
document.addEventListener("DOMContentLoaded", () => {
  const waiting = document.querySelector("[data-reload-after]");
  if (!waiting) return;
  const seconds = Number(waiting.dataset.reloadAfter);
  if (seconds > 0) setTimeout(() => window.location.reload(), seconds * 1000);
});
