// Adds a slider beside each 0–10 number field; the number field stays the text
// alternative, and both stay in step. Without scripts, the number fields work alone.
document.querySelectorAll("input.zero-to-ten").forEach(function (number) {
  var slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = "10";
  slider.step = "1";
  slider.value = number.value || "5";
  slider.className = "slider";
  slider.setAttribute("aria-label", number.labels[0].textContent);
  slider.setAttribute("aria-describedby", number.getAttribute("aria-describedby"));
  slider.addEventListener("input", function () { number.value = slider.value; });
  number.addEventListener("input", function () { slider.value = number.value; });
  number.parentNode.insertBefore(slider, number);
});
