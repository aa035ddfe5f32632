// yishu console: small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // A task answer: show the extra field of the chosen answer only (enter: the value, required;
  // moved: the new address; deceased: the date), hide the others.
  document.querySelectorAll("form[data-answer]").forEach(function (form) {
    var sync = function () {
      var chosen = form.querySelector("input[name=choice]:checked");
      form.querySelectorAll("[data-for]").forEach(function (box) {
        var on = !!chosen && chosen.value === box.getAttribute("data-for");
        box.hidden = !on;
        box.querySelectorAll("[data-required-when]").forEach(function (input) { input.required = on; });
      });
    };
    form.addEventListener("change", sync);
    sync();
  });
  // Confirm destructive decisions.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
});
