// A SMART app as its supplier would write it, with SMART Health IT's client and nothing of
// Stegvis's: opened with ?iss= (a standalone launch, the patient signs in) or with ?iss=&launch=
// (an EHR launch, from a patient's page), it asks to be let in, then shows whom it reads.
// Its client id and scope are its own configuration (config.js, where it is deployed).
const page = new URLSearchParams(window.location.search);
const out = document.getElementById("out");

function show(state, text) {
  out.dataset.state = state;
  out.textContent = text;
}

if (page.has("code") || page.has("error")) {
  FHIR.oauth2
    .ready()
    .then(async (client) => {
      const patient = await client.patient.read();
      const episodes = await client.request(`EpisodeOfCare?patient=${client.patient.id}`);
      show("ready", JSON.stringify({
        patient: client.patient.id,
        given: patient.name[0].given,
        episodes: (episodes.entry || []).length,
        fhirUser: client.getFhirUser(),
      }));
    })
    .catch((error) => show("error", String(error)));
} else {
  FHIR.oauth2
    .authorize({
      clientId: window.SMART_APP.clientId,
      scope: window.SMART_APP.scope,
      iss: page.get("iss"),
      redirectUri: "app.html",
    })
    .catch((error) => show("error", String(error)));
}
