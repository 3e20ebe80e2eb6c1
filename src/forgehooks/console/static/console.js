// While a delivery is queued, refresh its live part in place (a bounded number of times).
(function () {
  "use strict";
  var polls = 0;
  function refresh() {
    var live = document.getElementById("live");
    if (!live || !live.hasAttribute("data-pending") || polls >= 60) { return; }
    polls += 1;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (!fresh) { return; }
        live.innerHTML = fresh.innerHTML;
        if (!fresh.hasAttribute("data-pending")) { live.removeAttribute("data-pending"); }
      })
      .finally(function () { window.setTimeout(refresh, 1000); });
  }
  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(refresh, 500); });
})();
