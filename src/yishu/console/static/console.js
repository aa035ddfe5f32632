// yishu console: small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // A task answer: show the free-text value only when "enter" is chosen, and require it then.
  document.querySelectorAll("form[data-answer]").forEach(function (form) {
    var value = form.querySelector("[data-enter-value]");
    if (!value) return;
    var sync = function () {
      var chosen = form.querySelector("input[name=choice]:checked");
      var enter = chosen && chosen.value === "enter";
      value.hidden = !enter;
      var input = value.querySelector("input");
      if (input) input.required = enter;
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
