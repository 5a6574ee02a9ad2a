// The API's browsable documentation: Swagger UI over the generated schema (api/views/docs.py).
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  if (!root || !window.SwaggerUIBundle) {
    return;
  }
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
  });
})();
