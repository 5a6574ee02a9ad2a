// The registration form's amount is its products' total (quantity times unit price, the list
// price when no price is typed), as the service derives it: kept up to date while lines are typed.
(function () {
  function total(table) {
    var prices = JSON.parse(table.getAttribute("data-list-prices") || "{}");
    var sum = 0;
    var any = false;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var product = row.querySelector("[data-line-product]");
      if (!product || !product.value || !(product.value in prices)) return;
      var quantity = parseInt((row.querySelector("[data-line-quantity]") || {}).value, 10);
      var typed = (row.querySelector("[data-line-price]") || {}).value;
      var price = typed !== undefined && typed !== "" ? parseFloat(typed) : parseFloat(prices[product.value]);
      if (isNaN(price)) return;
      sum += (isNaN(quantity) || quantity < 1 ? 1 : quantity) * Math.round(price * 100);
      any = true;
    });
    return any ? (sum / 100).toFixed(2) : "";
  }

  function update(table) {
    var form = table.closest("form");
    var field = form && form.querySelector("[data-lines-total]");
    if (field) field.value = total(table);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-lines-table]").forEach(function (table) {
      update(table);
      table.addEventListener("input", function () { update(table); });
      table.addEventListener("change", function () { update(table); });
    });
  });
})();
