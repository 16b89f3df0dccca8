"""Swedish translations, applied to stegvis/locale/sv/LC_MESSAGES/django.po.

Run `make messages` after changing user-visible strings: it extracts them, fills in the
Swedish from this table and compiles. A string missing here fails the i18n test.
"""

SV: dict[str, str | list[str]] = {
    "Name and contact details": "Namn och kontaktuppgifter",
    "Sick leave and diagnosis": "Sjukskrivning och diagnos",
    "Work capacity": "Arbetsförmåga",
    "Return-to-work plan": "Plan för återgång i arbete",
    "Check-ins": "Incheckningar",
    "Questionnaires": "Formulär",
    "Messages": "Meddelanden",
    "Meetings": "Möten",
    "Clinical notes": "Journalanteckningar",
    "Who has seen the data": "Vem som har sett uppgifterna",
    "viewed": "läst",
    "created": "skapat",
    "changed": "ändrat",
    "deleted": "tagit bort",
    "exported": "exporterat",
    "Unit": "Enhet",
    "Kind of sample": "Typ av urval",
    "From": "Från",
    "To": "Till",
    "Number of events": "Antal händelser",
    "Only accesses by (e-mail)": "Bara åtkomster av (e-post)",
    "Targeted samples.": "För riktade urval.",
    "Only refused attempts": "Bara nekade försök",
    "Only accesses from outside the unit": "Bara åtkomster utanför enheten",
    "The end date must be on or after the start date.": "Slutdatum får inte vara före startdatum.",
    "Outcome": "Resultat",
    "Notes": "Anteckningar",
    "allowed": "tillåten",
    "refused": "nekad",
    "Random sample": "Slumpmässigt urval",
    "Targeted sample": "Riktat urval",
    "Not yet reviewed": "Ej granskad",
    "All accesses justified": "Alla åtkomster motiverade",
    "Needs follow-up": "Behöver följas upp",
    "kind": "typ",
    "outcome": "resultat",
    "notes": "anteckningar",
    "Log review": "Logguppföljning",
    "%(n)s events from %(start)s to %(end)s.": "%(n)s händelser från %(start)s till %(end)s.",
    "When": "När",
    "Who": "Vem",
    "Role": "Roll",
    "Organisation": "Organisation",
    "Patient": "Patient",
    "What": "Vad",
    "Basis": "Grund",
    "No events matched.": "Inga händelser matchade.",
    "Your finding": "Din bedömning",
    "Recorded %(date)s: %(outcome)s.": "Registrerat %(date)s: %(outcome)s.",
    "Save finding": "Spara bedömning",
    "Check regularly that every access to patient data was needed for the care of the "
    "patient. Draw a random sample, or a targeted one, and record what you found.": (
        "Kontrollera regelbundet att varje åtkomst till patientuppgifter behövdes för "
        "patientens vård. Dra ett slumpmässigt eller riktat urval och registrera vad du fann."
    ),
    "Draw a new sample": "Dra ett nytt urval",
    "Draw sample": "Dra urval",
    "Earlier reviews": "Tidigare granskningar",
    "Drawn": "Draget",
    "Kind": "Typ",
    "No reviews yet.": "Inga granskningar ännu.",
    "Who has seen my data": "Vem har sett mina uppgifter",
    "Every time someone opens or changes your information in Stegvis, it is written here. "
    "Nobody can remove a line.": (
        "Varje gång någon öppnar eller ändrar dina uppgifter i Stegvis skrivs det här. "
        "Ingen kan ta bort en rad."
    ),
    "Hide my own visits": "Dölj mina egna besök",
    "Show my own visits too": "Visa även mina egna besök",
    "%(counter)s event": ["%(counter)s händelse", "%(counter)s händelser"],
    "You": "Du",
    "Nobody else has opened your data yet.": "Ingen annan har öppnat dina uppgifter ännu.",
    "Language": "Språk",
    "What the token is for": "Vad nyckeln ska användas till",
    "Scope": "Behörighet",
    "Valid for (days)": "Giltig (dagar)",
    "At most %(days)s days.": "Högst %(days)s dagar.",
    "You were signed out after a while without use.": (
        "Du loggades ut eftersom du inte använt Stegvis på en stund."
    ),
    "Set up two-step verification before you open patient data.": (
        "Aktivera tvåstegsverifiering innan du öppnar patientuppgifter."
    ),
    "Sweden": "Sverige",
    "Norway": "Norge",
    "Swedish": "Svenska",
    "English": "Engelska",
    "e-mail": "e-post",
    "given name": "förnamn",
    "family name": "efternamn",
    "language": "språk",
    "birth date": "födelsedatum",
    "name": "namn",
    "role": "roll",
    "Read": "Läsa",
    "Read and write": "Läsa och skriva",
    "scope": "behörighet",
    "expires": "upphör",
    "Enter a personal identity number as YYYYMMDD-NNNN.": ("Skriv personnumret som ÅÅÅÅMMDD-NNNN."),
    "The date in the personal identity number is not valid.": (
        "Datumet i personnumret är inte giltigt."
    ),
    "The personal identity number has a wrong check digit.": (
        "Personnumret har fel kontrollsiffra."
    ),
    "Enter a national identity number of 11 digits.": "Skriv fødselsnumret med 11 siffror.",
    "The national identity number has a wrong check digit.": (
        "Fødselsnumret har fel kontrollsiffra."
    ),
    "Region": "Region",
    "Care unit": "Vårdenhet",
    "Multimodal rehabilitation team": "Team för multimodal rehabilitering",
    "Försäkringskassan office": "Försäkringskassan, kontor",
    "Arbetsförmedlingen office": "Arbetsförmedlingen, kontor",
    "Social services": "Socialtjänst",
    "Employer": "Arbetsgivare",
    "NAV office": "NAV-kontor",
    "Physician": "Läkare",
    "Rehabilitation coordinator": "Rehabkoordinator",
    "MMR clinician": "MMR-behandlare",
    "Coach": "Coach",
    "Insurance caseworker": "Handläggare, Försäkringskassan",
    "Employment caseworker": "Handläggare, Arbetsförmedlingen",
    "Social-services caseworker": "Handläggare, socialtjänsten",
    "Employer manager": "Chef hos arbetsgivaren",
    "Unit manager": "Verksamhetschef",
    "Participation facilitator": "Samordnare för patientdelaktighet",
    "Patient representative": "Patientföreträdare",
    "Administrator": "Administratör",
    "Saved.": "Sparat.",
    "The token no longer works.": "Nyckeln fungerar inte längre.",
    "Active": "Pågående",
    "Partial return": "Delvis åter i arbete",
    "Full return": "Helt åter i arbete",
    "Closed": "Avslutat",
    "status": "status",
    "opened": "öppnat",
    "closed": "avslutat",
    "Sign-in paused": "Inloggningen pausad",
    "Sign-in paused for a while": "Inloggningen är pausad en stund",
    "There were too many attempts with a wrong password. To protect your data, sign-in from "
    "here is paused for %(minutes)s minutes. After that you can try again.": (
        "Det blev för många försök med fel lösenord. För att skydda dina uppgifter är "
        "inloggningen härifrån pausad i %(minutes)s minuter. Sedan kan du försöka igen."
    ),
    "Forgot your password?": "Glömt lösenordet?",
    "My account": "Mitt konto",
    "Save": "Spara",
    "Sign-in and security": "Inloggning och säkerhet",
    "Two-step verification": "Tvåstegsverifiering",
    "Change password": "Byt lösenord",
    "Access tokens for integrations": "Åtkomstnycklar för integrationer",
    "Copy your new token now. It will not be shown again.": (
        "Kopiera din nya nyckel nu. Den visas inte igen."
    ),
    "Name": "Namn",
    "Expires": "Upphör",
    "Action": "Åtgärd",
    "Revoked": "Återkallad",
    "Revoke": "Återkalla",
    "Create token": "Skapa nyckel",
    "Skip to content": "Hoppa till innehållet",
    "Main": "Huvudmeny",
    "Home": "Start",
    "Sign out": "Logga ut",
    "Sign in": "Logga in",
    "Stegvis — step by step back to work.": "Stegvis — steg för steg tillbaka till arbetet.",
    "Please try again": "Försök igen",
    "The page had been open for a long time, or you were signed out in between, so we could "
    "not safely save what you sent. Nothing was changed.": (
        "Sidan hade varit öppen länge, eller så loggades du ut under tiden, så vi kunde inte "
        "spara det du skickade på ett säkert sätt. Inget har ändrats."
    ),
    "Go back in your browser, reload the page and send it again.": (
        "Gå tillbaka i webbläsaren, ladda om sidan och skicka igen."
    ),
    "Hello, %(name)s": "Hej %(name)s",
    "Your next step": "Ditt nästa steg",
    "Someone in your care team opened your data once since you last looked.": [
        "Någon i ditt vårdteam har öppnat dina uppgifter en gång sedan du tittade sist.",
        "Ditt vårdteam har öppnat dina uppgifter %(counter)s gånger sedan du tittade sist.",
    ],
    "See who has seen my data": "Se vem som har sett mina uppgifter",
    "Nothing needs doing today. Resting is part of the plan too.": (
        "Inget behöver göras i dag. Vila är också en del av planen."
    ),
    "Your case": "Ditt ärende",
    "Your care unit has supported you since %(date)s.": (
        "Din vårdenhet har stöttat dig sedan %(date)s."
    ),
    "Status": "Status",
    "Caseload": "Mina ärenden",
    "%(counter)s case": ["%(counter)s ärende", "%(counter)s ärenden"],
    "Opened": "Öppnat",
    "Caseload pages": "Sidor i ärendelistan",
    "Previous": "Föregående",
    "Page %(n)s of %(total)s": "Sida %(n)s av %(total)s",
    "Next": "Nästa",
    "No cases have been shared with you yet.": "Inga ärenden har delats med dig ännu.",
    "Draw a sample of access events and record what you found.": (
        "Dra ett urval av åtkomsthändelser och registrera vad du fann."
    ),
    "Open log review": "Öppna logguppföljning",
    "There is nothing for you here yet. When a patient shares their plan with you, it will "
    "appear here.": (
        "Här finns inget för dig ännu. När en patient delar sin plan med dig visas den här."
    ),
    "Pages": "Sidor",
    "E-mail": "E-post",
    "Password": "Lösenord",
    "Or sign in with": "Eller logga in med",
    "Sampled events": "Händelser i urvalet",
}


def apply(po_path: str) -> list[str]:
    """Fill the .po file from SV; return the msgids still without a translation."""
    import polib

    po = polib.pofile(po_path)
    missing = []
    for entry in po:
        value = SV.get(entry.msgid)
        if value is None:
            if not (entry.msgstr or any(entry.msgstr_plural.values())):
                missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = dict(enumerate(value))
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata["Language"] = "sv"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    return missing


if __name__ == "__main__":
    import sys

    left = apply(sys.argv[1] if len(sys.argv) > 1 else "stegvis/locale/sv/LC_MESSAGES/django.po")
    for msgid in left:
        print(f"untranslated: {msgid!r}")
    sys.exit(1 if left else 0)
