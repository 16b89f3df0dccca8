// Validates FHIR R4 resources with FHIR.js (npm "fhir"), offline: reads a JSON array of
// resources on stdin and prints, for each, {"id", "resourceType", "valid", "messages"}.
// Stegvis's tests call it on everything the API emits.
const { Fhir } = require("fhir");

const fhir = new Fhir();
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map((resource) => {
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    return {
      id: resource.id || null,
      resourceType: resource.resourceType,
      valid: result.valid,
      messages: result.messages.filter((m) => m.severity !== "information"),
    };
  });
  process.stdout.write(JSON.stringify(results));
});
