// The Reports page's filter: choosing a preset period or a channel shows it at once.
// Without JavaScript the "Show" button does the same; "custom dates" waits for the dates.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form.report-filters");
  if (!form) return;
  const name = event.target.name;
  if (name === "channel" || (name === "range" && event.target.value !== "custom")) {
    if (name === "range") {
      // The boxes hold the old preset's dates: leave them out so the new preset applies.
      form.querySelector("[name=start]").value = "";
      form.querySelector("[name=end]").value = "";
    }
    form.requestSubmit();
  }
});
