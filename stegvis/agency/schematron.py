"""ISO Schematron rules run by Saxon-HE, the XSLT 2.0 processor the LISJP rules need.

The rules Försäkringskassan's services apply (`schemas/se-intyg/schematron/`) are ISO
Schematron with `queryBinding='xslt2'`: XPath 2.0 (`matches()`, `castable as`) and abstract
rules that others `extends`. lxml runs only XSLT 1.0, and no packaged Schematron-to-XSLT 2.0
compiler (the ISO skeleton, SchXslt) is installable from the registries Stegvis builds from, so
this module does that one step itself: it turns the schema into an XSLT 2.0 stylesheet the
way those compilers do (one mode per pattern, one template per rule with the first rule of a
pattern winning, lets as variables, each assert as a test) and Saxon evaluates every XPath.
The published pass and fail scenarios hold it to the rules' meaning (tests/test_agency_rules.py).
"""

import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
S = f"{{{SCH}}}"


@dataclass(frozen=True)
class Failure:
    """One broken rule: the pattern that holds it and the assertion's own words."""

    rule: str
    message: str
    location: str


def _xsl(parent, tag: str, **attributes) -> etree._Element:
    return etree.SubElement(parent, f"{{{XSL}}}{tag}", {k: v for k, v in attributes.items()})


def _message(parent, assertion: etree._Element) -> None:
    """The assertion's text with its `value-of` and `name` filled in when it fires."""
    text = _xsl(parent, "element", name="svrl:text", namespace=SVRL)
    if assertion.text:
        _xsl(text, "text").text = assertion.text
    for child in assertion:
        if child.tag == f"{S}value-of":
            _xsl(text, "value-of", select=child.get("select"))
        elif child.tag == f"{S}name":
            _xsl(text, "value-of", select=f"name({child.get('path', '.')})")
        if child.tail:
            _xsl(text, "text").text = child.tail


def _checks(rule: etree._Element, abstract: dict[str, etree._Element]) -> list[etree._Element]:
    """The rule's lets, asserts and reports in order, with each `extends` put in place."""
    out = []
    for child in rule:
        if child.tag == f"{S}extends":
            out += _checks(abstract[child.get("rule")], abstract)
        elif child.tag in (f"{S}let", f"{S}assert", f"{S}report"):
            out.append(child)
    return out


def compile_schema(schema: etree._ElementTree) -> bytes:
    """The Schematron schema as an XSLT 2.0 stylesheet whose output lists what failed."""
    root = schema.getroot()
    namespaces = {ns.get("prefix"): ns.get("uri") for ns in root.iter(f"{S}ns")}
    stylesheet = etree.Element(
        f"{{{XSL}}}stylesheet", nsmap={"xsl": XSL, "svrl": SVRL, **namespaces}, version="2.0"
    )
    for let in root.findall(f"{S}let"):
        _xsl(stylesheet, "variable", name=let.get("name"), select=let.get("value"))
    abstract = {
        rule.get("id"): rule for rule in root.iter(f"{S}rule") if rule.get("abstract") == "true"
    }
    patterns = [
        pattern
        for pattern in root.findall(f"{S}pattern")
        if any(rule.get("abstract") != "true" for rule in pattern.findall(f"{S}rule"))
    ]
    main = _xsl(stylesheet, "template", match="/")
    output = _xsl(main, "element", name="svrl:schematron-output", namespace=SVRL)
    for index, pattern in enumerate(patterns):
        mode = f"p{index}"
        _xsl(output, "apply-templates", select="/", mode=mode)
        rules = [r for r in pattern.findall(f"{S}rule") if r.get("abstract") != "true"]
        for position, rule in enumerate(rules):
            # Within a pattern a node is checked by the first rule whose context it matches.
            template = _xsl(
                stylesheet,
                "template",
                match=rule.get("context"),
                mode=mode,
                priority=str(1000 - position),
            )
            for let in pattern.findall(f"{S}let"):
                _xsl(template, "variable", name=let.get("name"), select=let.get("value"))
            for check in _checks(rule, abstract):
                if check.tag == f"{S}let":
                    _xsl(template, "variable", name=check.get("name"), select=check.get("value"))
                    continue
                test = check.get("test")
                fires = f"not({test})" if check.tag == f"{S}assert" else test
                found = _xsl(template, "if", test=fires)
                failed = _xsl(found, "element", name="svrl:failed-assert", namespace=SVRL)
                _xsl(failed, "attribute", name="pattern").text = pattern.get("id", mode)
                _xsl(failed, "attribute", name="location", select="path(.)")
                _message(failed, check)
            _xsl(template, "apply-templates", select="@*|node()", mode=mode)
        # Every other node: go on down the tree.
        fallback = _xsl(stylesheet, "template", match="@*|node()", mode=mode, priority="-10")
        _xsl(fallback, "apply-templates", select="@*|node()", mode=mode)
    return etree.tostring(stylesheet, xml_declaration=True, encoding="utf-8")


# Saxon's processor is one per process and not documented as safe across threads: every
# use goes through this lock (a validation takes milliseconds).
_saxon_lock = threading.Lock()


@cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@cache
def _executable(path: Path):
    stylesheet = compile_schema(etree.parse(str(path)))
    with _saxon_lock:
        compiler = _processor().new_xslt30_processor()
        return compiler.compile_stylesheet(stylesheet_text=stylesheet.decode())


def validate(path: Path, document: etree._ElementTree) -> list[Failure]:
    """What `document` breaks of the Schematron schema at `path` (empty if nothing)."""
    executable = _executable(path)
    text = etree.tostring(document, encoding="unicode")
    with _saxon_lock:
        node = _processor().parse_xml(xml_text=text)
        report = executable.transform_to_string(xdm_node=node)
    failures = etree.fromstring(report.encode())
    return [
        Failure(
            rule=failed.get("pattern"),
            message=re.sub(r"\s+", " ", "".join(failed.itertext())).strip(),
            location=failed.get("location"),
        )
        for failed in failures.iter(f"{{{SVRL}}}failed-assert")
    ]
