// Adds a slider beside each 0–10 number field; the number field stays the text
// alternative, and both stay in step. Without scripts, the number fields work alone.
// An unanswered question shows an unset slider: its thumb is hidden and it reads "not
// answered" until the person moves it, so nothing is recorded that they did not choose.
document.querySelectorAll("input.zero-to-ten").forEach(function (number) {
  var slider = document.createElement("input");
  var unsetText = number.form.dataset.unsetText;
  slider.type = "range";
  slider.min = "0";
  slider.max = "10";
  slider.step = "1";
  slider.className = "slider";
  slider.setAttribute("aria-label", number.labels[0].textContent);
  slider.setAttribute("aria-describedby", number.getAttribute("aria-describedby"));

  function show() {
    var unset = number.value === "";
    slider.value = unset ? "5" : number.value;
    slider.classList.toggle("unset", unset);
    if (unset) { slider.setAttribute("aria-valuetext", unsetText); }
    else { slider.removeAttribute("aria-valuetext"); }
  }
  function choose() {
    number.value = slider.value;
    show();
  }
  slider.addEventListener("input", choose);
  // A tap on the unset slider's middle chooses 5 though the value did not change.
  slider.addEventListener("pointerup", choose);
  number.addEventListener("input", show);
  show();
  number.parentNode.insertBefore(slider, number);
});
