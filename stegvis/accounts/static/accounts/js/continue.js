// The e-ID provider's answer, posted once more from Stegvis's own page (see
// stegvis/accounts/eid/views.py): sent at once; without scripts, the button sends it.
document.querySelector("form[data-continue]")?.submit();
