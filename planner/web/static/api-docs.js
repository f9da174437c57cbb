// Swagger UI for /api/v1/docs, started from this file rather than an inline
// script so that the Content-Security-Policy can refuse every inline script.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.specUrl, dom_id: "#swagger-ui", deepLinking: true });
});
