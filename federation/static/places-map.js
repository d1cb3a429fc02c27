// The places page's optional map (Leaflet, served from the platform). The list stays the
// reference: the map shows only when tiles load, and hides again when they are unreachable.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("places-map");
    if (!box || typeof L === "undefined") { return; }
    var items = document.querySelectorAll("#places-list [data-lat]");
    if (!items.length) { return; }
    box.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false });
    var layer = L.tileLayer(box.dataset.tiles, {
      maxZoom: 19, attribution: box.dataset.attribution || ""
    });
    var loaded = 0, failed = 0;
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (!loaded && failed >= 2) { map.remove(); box.hidden = true; }
    });
    layer.addTo(map);
    var bounds = [];
    items.forEach(function (item) {
      var point = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
      bounds.push(point);
      L.marker(point, { title: item.dataset.name, alt: item.dataset.name })
        .addTo(map).bindPopup(document.createTextNode(item.dataset.name));
    });
    map.fitBounds(bounds, { maxZoom: 15, padding: [48, 48] });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else { start(); }
})();
