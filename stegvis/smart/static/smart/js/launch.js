// An EHR launch goes on to the app at once; the link stays for a browser without scripts.
const link = document.querySelector("a[data-follow]");
if (link) window.location.assign(link.href);
