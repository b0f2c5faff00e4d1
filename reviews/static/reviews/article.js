// Bring the highlighted claim into view inside the scrolling article text (a third of the way down, so
// the sentences before it are visible too), on load and from the "Show the claim" link.
(() => {
  "use strict";
  const body = document.querySelector("[data-article-body]");
  const claim = document.getElementById("claim");
  if (!body || !claim) return;
  const reveal = () => {
    body.scrollTop += claim.getBoundingClientRect().top - body.getBoundingClientRect().top - body.clientHeight / 3;
  };
  reveal();
  for (const link of document.querySelectorAll("[data-show-claim]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      reveal();
      body.focus({ preventScroll: false });
      claim.animate?.([{ backgroundColor: "#ffb300" }, { backgroundColor: "#ffe58a" }], { duration: 900 });
    });
  }
})();
