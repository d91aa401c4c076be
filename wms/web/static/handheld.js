// The handheld's scan field never loses the focus (issue 10 item 10).
(function () {
  var scanField = function () { return document.querySelector("input[autofocus]"); };
  // A tap on a tile, a label or a button of a scan form gives the focus back to the scan field.
  document.addEventListener("click", function (e) {
    var f = scanField();
    if (!f || e.target === f || !e.target.closest("form.scan")) return;
    if (e.target.matches("input[type=text], input:not([type]), input[inputmode], select, textarea")) return;
    setTimeout(function () { f.focus(); }, 0);
  });
  // In the scan field: "#DAMAGED" / "#GOOD" (a command barcode or typed) sets the condition,
  // "5*CODE" scans CODE with quantity 5, without leaving the field.
  document.addEventListener("keydown", function (e) {
    var f = e.target;
    if (e.key !== "Enter" || !f.classList || !f.classList.contains("scanfield") || !f.form) return;
    var text = f.value.trim(), form = f.form;
    var command = text.toUpperCase();
    if (command === "#DAMAGED" || command === "#GOOD") {
      var tile = form.querySelector("input[name=condition][value=" + command.slice(1).toLowerCase() + "]");
      if (tile) { tile.checked = true; f.value = ""; e.preventDefault(); return; }
    }
    var m = /^(\d{1,5})\*(.+)$/.exec(text), qty = form.querySelector("input[name=qty]");
    if (m && qty) { qty.value = m[1]; f.value = m[2]; }
  }, true);
})();
