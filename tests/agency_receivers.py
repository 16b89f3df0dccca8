"""Local stand-ins for Försäkringskassan's and Nav's receiving services, on loopback.

Each one listens over HTTPS and demands a client certificate (mutual TLS, as the real services
do), checks what it gets against the same published schemas the agency uses (XSD, and for
LISJP every Schematron rule), registers each certificate id once, and answers as the agency
does: a SOAP RegisterCertificateResponse (OK, INFO for a certificate already registered,
ERROR with its errorId) or an AppRec (1 OK, 2 refused with its errors). It can be told to
refuse, to fail on its side, or to drop the connection after taking the message in (the
answer lost on the way back).
"""

import datetime
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from stegvis.agency import validation

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
REGISTRY = "urn:riv:itintegration:registry:1"
SOAP_ACTION = f'"{validation.RIV_RESPONDER}:RegisterCertificate"'


# -- Certificates for mutual TLS --------------------------------------------------------


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _issue(subject: str, key, issuer_name, issuer_key, *, ca=False, server=False):
    """A certificate with the extensions strict verification asks for (Python's default)."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        # Long enough for a test run with the clock moved years ahead.
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                key_cert_sign=ca,
                crl_sign=ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if not ca:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path) -> Pki:
    """A certificate authority, a server certificate for 127.0.0.1 and a client one."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue("Test agency CA", ca_key, _name("Test agency CA"), ca_key, ca=True)
    paths = {}
    for role, server in (("server", True), ("client", False)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(f"Test {role}", key, ca.subject, ca_key, server=server)
        (folder / f"{role}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        paths[role] = (folder / f"{role}.pem", _write_key(key, folder / f"{role}.key"))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return Pki(folder / "ca.pem", *paths["server"], *paths["client"])


# -- The receivers ----------------------------------------------------------------------


@dataclass
class Receiver:
    """What the receiver was given and how it answers next."""

    url: str = ""
    registered: dict = field(default_factory=dict)  # certificate id -> message bytes
    requests: int = 0
    refusals: list = field(default_factory=list)  # what the schemas refused
    # Told what to do with the next requests, in order: "drop", "technical", "refuse".
    next: list = field(default_factory=list)
    refuse_text: str = "Patienten är avliden."
    server: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _secure_parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _el(parent, tag, text=None, **attributes):
    element = etree.SubElement(parent, tag, **attributes)
    if text is not None:
        element.text = text
    return element


def fk_answer(code: str, text: str = "", error_id: str = "") -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    _el(envelope, f"{{{SOAP}}}Header")
    body = _el(envelope, f"{{{SOAP}}}Body")
    response = _el(body, f"{{{validation.RIV_RESPONDER}}}RegisterCertificateResponse",
                   nsmap={"r": validation.RIV_RESPONDER, "c": validation.RIV_CORE})  # fmt: skip
    result = _el(response, f"{{{validation.RIV_RESPONDER}}}result")
    _el(result, f"{{{validation.RIV_CORE}}}resultCode", code)
    if text:
        _el(result, f"{{{validation.RIV_CORE}}}resultText", text)
    if error_id:
        _el(result, f"{{{validation.RIV_CORE}}}errorId", error_id)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _fk_handle(receiver: Receiver, headers, data: bytes) -> tuple[int, bytes]:
    if headers.get("SOAPAction") != SOAP_ACTION:
        return 500, fk_answer("ERROR", "Wrong SOAPAction", "APPLICATION_ERROR")
    envelope = etree.fromstring(data, _secure_parser())
    if not (envelope.findtext(f"{{{SOAP}}}Header/{{{REGISTRY}}}LogicalAddress") or "").strip():
        return 200, fk_answer("ERROR", "LogicalAddress saknas", "VALIDATION_ERROR")
    message = envelope.find(f"{{{SOAP}}}Body")[0]
    problems = validation.problems("lisjp", etree.ElementTree(message))
    if problems:
        receiver.refusals.append(problems)
        text = "; ".join(f"{p.rule}: {p.message}" for p in problems)
        return 200, fk_answer("ERROR", text, "VALIDATION_ERROR")
    intyg = message.find(f"{{{validation.RIV_RESPONDER}}}intyg")
    certificate_id = intyg.findtext(
        f"{{{validation.RIV_CORE}}}intygs-id/{{{validation.RIV_TYPES}}}extension"
    )
    order = receiver.next.pop(0) if receiver.next else ""
    if order == "technical":
        return 200, fk_answer("ERROR", "Tillfälligt fel", "TECHNICAL_ERROR")
    if order == "refuse":
        return 200, fk_answer("ERROR", receiver.refuse_text, "APPLICATION_ERROR")
    if certificate_id in receiver.registered:
        return 200, fk_answer("INFO", "Certificate already exists")
    receiver.registered[certificate_id] = data
    if order == "drop":
        return 0, b""
    return 200, fk_answer("OK")


APPREC = validation.APPREC
NAV_DUPLICATE = "Duplikat! - Denne sykmeldingen er mottatt tidligere. Skal ikke sendes på nytt"


def apprec(msghead, status: str, errors=()) -> bytes:
    """An AppRec answering `msghead`: status 1 OK, 2 refused, with (code, text) errors."""
    m = f"{{{validation.MSGHEAD}}}"
    info = msghead.find(f"{m}MsgInfo")
    root = etree.Element(f"{{{APPREC}}}AppRec", nsmap={None: APPREC})
    _el(root, f"{{{APPREC}}}MsgType", V="APPREC")
    _el(root, f"{{{APPREC}}}MIGversion", "1.0 2004-11-21")
    _el(
        root,
        f"{{{APPREC}}}GenDate",
        datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    )
    _el(root, f"{{{APPREC}}}Id", "apprec-" + info.findtext(f"{m}MsgId"))
    for part, name in (
        ("Sender", "NAV"),
        ("Receiver", info.findtext(f"{m}Sender/{m}Organisation/{m}OrganisationName")),
    ):
        hcp = _el(_el(root, f"{{{APPREC}}}{part}"), f"{{{APPREC}}}HCP")
        _el(_el(hcp, f"{{{APPREC}}}Inst"), f"{{{APPREC}}}Name", name)
    _el(root, f"{{{APPREC}}}Status", V=status, DN={"1": "OK", "2": "Avvist"}[status])
    for code, text in errors:
        _el(root, f"{{{APPREC}}}Error", V=code, S="2.16.578.1.12.4.1.1.8222", DN=text)
    original = _el(root, f"{{{APPREC}}}OriginalMsgId")
    _el(original, f"{{{APPREC}}}MsgType", V="SYKMELD")
    _el(original, f"{{{APPREC}}}IssueDate", info.findtext(f"{m}GenDate"))
    _el(original, f"{{{APPREC}}}Id", info.findtext(f"{m}MsgId"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _nav_handle(receiver: Receiver, headers, data: bytes) -> tuple[int, bytes]:
    document = validation.parse(data)
    msghead = document.getroot()
    problems = validation.problems("sm2013", document)
    if problems:
        receiver.refusals.append(problems)
        return 200, apprec(msghead, "2", [("X99", f"{p.rule}: {p.message}") for p in problems])
    msg_id = msghead.findtext(f"{{{validation.MSGHEAD}}}MsgInfo/{{{validation.MSGHEAD}}}MsgId")
    order = receiver.next.pop(0) if receiver.next else ""
    if order == "technical":
        return 503, b""
    if order == "refuse":
        return 200, apprec(msghead, "2", [("47", receiver.refuse_text)])
    if msg_id in receiver.registered:
        # As Nav's receiver answers a sykmelding it has had before.
        return 200, apprec(msghead, "2", [("X99", NAV_DUPLICATE)])
    receiver.registered[msg_id] = data
    if order == "drop":
        return 0, b""
    return 200, apprec(msghead, "1")


def _handler(receiver: Receiver, handle):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            receiver.requests += 1
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                status, body = handle(receiver, self.headers, data)
            except (validation.Refused, etree.XMLSyntaxError, AttributeError, TypeError):
                status, body = 400, b"not a message this service takes"
            if status == 0:
                # Taken in, but the answer never reaches the sender.
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def start(kind: str, pki: Pki) -> Receiver:
    """A receiver for "fk" or "nav" on a free loopback port, demanding a client certificate."""
    receiver = Receiver()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), _handler(receiver, {"fk": _fk_handle, "nav": _nav_handle}[kind])
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.load_verify_locations(pki.ca)
    context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.server = server
    receiver.url = f"https://127.0.0.1:{server.server_address[1]}/{kind}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
