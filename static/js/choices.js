// The names chosen in a long multi-select list box, kept in step with it: the box shows only a
// few options at a time (partners/widgets/countries.html renders the line, with what was chosen).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.multiple || !select.id) return;
  var line = document.querySelector('[data-chosen-for="' + CSS.escape(select.id) + '"] [data-chosen]');
  if (!line) return;
  var names = Array.prototype.map.call(select.selectedOptions, function (option) {
    return option.text;
  });
  line.textContent = names.length ? names.join(", ") : line.getAttribute("data-none");
});
