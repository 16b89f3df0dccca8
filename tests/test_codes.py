"""Diagnosis code lists: titles in Swedish, Norwegian and English, and the search."""

import pytest

from stegvis.cases import codes


def _swedish_only() -> set[str]:
    """ICD-10-SE's own codes, which end in a letter (F43.8A)."""
    return {c for c in codes.code_list("icd10") if c[-1].isalpha()}


def test_every_shipped_icpc2_code_has_a_norwegian_title():
    assert [c.code for c in codes.code_list("icpc2").values() if not c.title_nb] == []


def test_every_shipped_icd10_code_has_a_norwegian_title_unless_norways_edition_lacks_it():
    icd10 = codes.code_list("icd10")
    lacking = {c.code for c in icd10.values() if not c.title_nb}
    # Norway's list holds only the codes a report may carry: a three-character category with
    # subdivisions (F32) has no title there, its subdivisions (F32.0) have.
    categories = {c for c in lacking if len(c) == 3 and any(o.startswith(f"{c}.") for o in icd10)}
    # Not in Norway's edition: ICD-10-SE's own codes and a few WHO codes Norway has dropped.
    dropped = {"F64.0", "F64.1", "F64.2", "F64.8", "F64.9", "F65.0", "F65.1", "F65.5", "F65.6"}
    assert lacking - categories == _swedish_only() | dropped
    assert "F43.8A" in _swedish_only()
    assert icd10["F32.1"].title_nb == "Moderat depressiv episode"
    assert icd10["M54.5"].title_nb == "Lumbago"


def test_a_code_shows_the_readers_title_and_says_when_it_is_the_english_one():
    depressive = codes.lookup("icd10", "F32.1")
    assert depressive.title("nb") == "Moderat depressiv episode"
    assert depressive.title("sv") == "Medelsvår depressiv episod"
    assert depressive.title("en") == "Moderate depressive episode"
    assert not any(depressive.title_is_english(lang) for lang in ("nb", "sv", "en"))

    exhaustion = codes.lookup("icd10", "F43.8A")  # ICD-10-SE only: no Norwegian title
    assert exhaustion.title("nb") == "Exhaustion disorder"
    assert exhaustion.title_is_english("nb") and not exhaustion.title_is_english("sv")

    low_back = codes.lookup("icpc2", "L03")
    assert low_back.title("nb") == "Korsrygg symptomer/plager"
    assert low_back.title_is_english("sv") and not low_back.title_is_english("nb")


@pytest.mark.parametrize(
    ("system", "query", "expected"),
    [
        ("icpc2", "rygg", {"L02", "L03", "L84", "L86"}),
        ("icpc2", "depresjon", {"P03", "P76"}),
        ("icpc2", "angst", {"P01", "P74"}),
        ("icpc2", "depression", {"P03", "P76"}),
        ("icd10", "depresjon", {"F32", "F32.0", "F32.1", "F32.2", "F33", "F33.1", "F41.2"}),
        ("icd10", "depression", {"F32", "F32.1", "F33"}),
        ("icd10", "angst", {"F41.0", "F41.1", "F41.2", "F41.9"}),
    ],
)
def test_the_search_finds_a_word_or_its_stem_in_any_language(system, query, expected):
    assert expected <= {c.code for c in codes.search(system, query)}


def test_the_search_needs_every_word_in_one_title():
    found = {c.code for c in codes.search("icd10", "depressiv moderat")}
    assert found == {"F31.3", "F32.1", "F33.1"}  # F31.3: "... mild/moderat depresjon"
    assert codes.search("icpc2", "rygg depresjon") == []


def test_the_search_puts_code_matches_then_the_common_codes_first():
    assert [c.code for c in codes.search("icd10", "f321")] == ["F32.1"]
    assert [c.code for c in codes.search("icd10", "F32.1")] == ["F32.1"]
    # F20.4 "Post-schizofren depresjon" matches too, after the codes used for sick leave.
    found = [c.code for c in codes.search("icd10", "depresjon")]
    assert found.index("F32.1") < found.index("F20.4")
    assert found[0] == "F32"


def test_the_common_codes_are_in_the_readers_language():
    icpc2 = codes.common_codes("icpc2", "nb")
    assert len(icpc2) == len(codes.code_list("icpc2"))
    swedish = codes.common_codes("icd10", "sv")
    assert "F32.1" in {c.code for c in swedish} and all(c.title_sv for c in swedish)
    # The same common set for a Norwegian reader, where Norway's edition has the code.
    norwegian = codes.common_codes("icd10", "nb")
    assert {c.code for c in norwegian} == {c.code for c in swedish if c.title_nb}
    assert "F43.8A" not in {c.code for c in norwegian}
