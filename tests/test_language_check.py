"""The persona crawl's language check: what it counts as interface text in the wrong
language, and what it leaves alone."""

from tests.e2e.wrong_language import wrong_language


def test_interface_text_of_the_other_language_is_found():
    on_english = [
        "Logga ut",
        "Du har loggat in som Sara.",
        "Sjukpenning från Försäkringskassan (dag 15)",
    ]
    assert wrong_language(on_english, "en") == sorted(on_english)
    on_swedish = ["Sign out", "Successfully signed in as Sara.", "- Select an option -"]
    assert wrong_language(on_swedish, "sv") == sorted(on_swedish)


def test_dates_with_the_other_languages_month_names_are_found():
    assert wrong_language(["Raised 6 Sep 2026"], "sv") == ["Raised 6 Sep 2026"]
    assert wrong_language(["6 sep 2026", "23 augusti 2026"], "sv") == []
    assert wrong_language(["23 augusti 2026"], "en") == ["23 augusti 2026"]


def test_peoples_own_words_and_shared_words_are_left_alone():
    words = ["Jag vill jobba halvtid efter jul", "Sara Ahmadi", "Status", "Stegvis", "PDF"]
    assert wrong_language(words, "en") == []
    assert wrong_language(["I would like to work half time"], "sv") == []
