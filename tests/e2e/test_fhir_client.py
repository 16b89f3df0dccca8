"""An independent client reads Stegvis as a region's integration would: fhirpy, against the
real server with its demo data, following the paging links and reading a Questionnaire."""

from fhirpy import SyncFHIRClient


def test_fhirpy_searches_a_patients_care_plans_and_reads_a_questionnaire(live_stegvis):
    client = SyncFHIRClient(f"{live_stegvis}/fhir", authorization="Bearer stv_demo_lakare")
    # fetch_all follows the next links: three pages of two.
    patients = client.resources("Patient").limit(2).fetch_all()
    assert len(patients) > 4 and len({p.id for p in patients}) == len(patients)
    peter = next(p for p in patients if p["name"][0]["given"] == ["Peter"])
    plans = client.resources("CarePlan").search(patient=peter.id).fetch_all()
    assert "rtw-plan" in {plan["category"][0]["coding"][0]["code"] for plan in plans}
    assert all(plan["subject"]["reference"] == f"Patient/{peter.id}" for plan in plans)
    phq9 = client.reference("Questionnaire", "phq9-1").to_resource()
    assert phq9["resourceType"] == "Questionnaire" and len(phq9["item"]) == 9
    # The patient's own token reads their plans, and no one else's record.
    own = SyncFHIRClient(f"{live_stegvis}/fhir", authorization="Bearer stv_demo_peter")
    assert {p.id for p in own.resources("Patient").fetch_all()} == {peter.id}
