#!/usr/bin/python3
"""A real SMTP server for Ringback's tests.

Every message is stored as DIR/NNNN.eml (the raw bytes after dot-unstuffing)
plus DIR/NNNN.json (a summary the Swift side decodes). Both files are written
to a hidden temp name and renamed, and the .json comes last, so a reader that
sees NNNN.json can trust NNNN.eml and every part file to be complete.

Usage:
  smtp_sink.py --dir DIR [--port N] [--tls | --implicit-tls] [--require-starttls]
               [--auth USER:PASSWORD] [--xoauth2 USER:TOKEN] [--no-auth-offer]
               [--reject-rcpt ADDR ...] [--defer-rcpt ADDR ...]

--tls offers STARTTLS; --implicit-tls speaks TLS from the first byte (smtps://).
Both use a fresh self-signed certificate written to DIR/cert.pem.
--no-auth-offer leaves AUTH out of the EHLO reply, like a relay that offers none.

Prints exactly one line "READY <port>" once the server accepts connections,
then runs until SIGTERM/SIGINT (or until its parent process goes away).
"""

import argparse
import email
import email.policy
import json
import logging
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import warnings

from base64 import b64decode
from binascii import Error as Base64Error

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

# How many instances of one kind of raw defect are spelled out before the
# rest is summarised, so a message with 10,000 bare LFs stays readable.
MAX_LISTED_DEFECTS = 10

# Matches one line terminator; CRLF is tried first so it never counts as a
# bare CR followed by a bare LF.
LINE_TERMINATOR = re.compile(rb"\r\n|\n|\r")


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with a generous line limit.

    The stock limit answers "500 Line too long" for lines over 998 octets,
    which hides *where* the over-long line is; accepting it and listing it in
    `defects` gives a test a precise failure message instead.
    """

    line_length_limit = 1 << 20


class SinkController(Controller):
    def factory(self):
        return SinkSMTP(self.handler, **self.SMTP_kwargs)


def free_port():
    """Asks the kernel for a port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(directory):
    """Creates a one-day self-signed certificate for localhost/127.0.0.1."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        [
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def write_atomically(path, data):
    """Writes via a hidden temp file and rename, so readers never see a partial file."""
    directory, name = os.path.split(path)
    temp = os.path.join(directory, "." + name + ".tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)


def split_lines(raw):
    """Yields (line number, content, terminator) for every line of raw."""
    number = 0
    start = 0
    for match in LINE_TERMINATOR.finditer(raw):
        number += 1
        yield number, raw[start:match.start()], match.group()
        start = match.end()
    if start < len(raw):
        yield number + 1, raw[start:], b""


def raw_defects(raw):
    """Checks the bytes themselves, which the email package silently tolerates."""
    found = {
        "bare LF (LF not preceded by CR)": [],
        "bare CR (CR not followed by LF)": [],
        "line longer than 998 octets": [],
        "NUL byte": [],
        "non-ASCII byte in the header block": [],
    }
    in_header = True
    for number, content, terminator in split_lines(raw):
        if in_header and content == b"":
            in_header = False
        if terminator == b"\n":
            found["bare LF (LF not preceded by CR)"].append(f"line {number}")
        elif terminator == b"\r":
            found["bare CR (CR not followed by LF)"].append(f"line {number}")
        if len(content) > 998:
            found["line longer than 998 octets"].append(
                f"line {number} ({len(content)} octets)")
        if b"\x00" in content:
            found["NUL byte"].append(f"line {number}")
        if in_header:
            high = next((b for b in content if b >= 0x80), None)
            if high is not None:
                found["non-ASCII byte in the header block"].append(
                    f"line {number} (0x{high:02X})")
    defects = []
    for kind, places in found.items():
        for place in places[:MAX_LISTED_DEFECTS]:
            defects.append(f"{kind} at {place}")
        if len(places) > MAX_LISTED_DEFECTS:
            defects.append(
                f"{kind}: {len(places) - MAX_LISTED_DEFECTS} more lines not listed")
    return defects


def describe(error):
    # email.errors defects usually carry no message; their docstring explains them.
    detail = str(error) or " ".join((type(error).__doc__ or "").split())
    return f"{type(error).__name__}: {detail}"


def strict_defects(raw):
    """Parses with policy.strict, which raises on the first defect it meets.

    Header values are parsed lazily and payloads decoded on demand, so both
    are touched here to give strict a chance to complain about them.
    """
    try:
        message = email.message_from_bytes(raw, policy=email.policy.strict)
        for part in message.walk():
            for _name, value in part.items():
                str(value)
            if not part.is_multipart():
                part.get_payload(decode=True)
        return []
    except Exception as error:  # noqa: BLE001 -- every failure is a finding
        return [f"policy.strict: {describe(error)}"]


def lenient_defects(message):
    """Collects what policy.default registered on each part and header."""
    defects = []
    for index, part in enumerate(message.walk()):
        where = f"part {index} ({part.get_content_type()})"
        for defect in part.defects:
            defects.append(f"{where}: {describe(defect)}")
        for name, raw_value in part.raw_items():
            try:
                value = part.policy.header_fetch_parse(name, raw_value)
            except Exception as error:  # noqa: BLE001 -- an unparsable header is a finding
                defects.append(f"{where} header {name}: {describe(error)}")
                continue
            for defect in getattr(value, "defects", ()):
                defects.append(f"{where} header {name}: {describe(defect)}")
    return defects


def structure(part):
    if part.is_multipart():
        children = ",".join(structure(child) for child in part.get_payload())
        return f"{part.get_content_type()}({children})"
    return part.get_content_type()


def header_pairs(message):
    """Decodes each header on its own, so one unparsable value cannot hide the rest."""
    pairs = []
    for name, raw_value in message.raw_items():
        try:
            pairs.append([name, str(message.policy.header_fetch_parse(name, raw_value))])
        except Exception:  # noqa: BLE001 -- keep the raw value rather than lose the header
            pairs.append([name, str(raw_value)])
    return pairs


def leaf_parts(message, directory, stem):
    parts = []
    leaves = [part for part in message.walk() if not part.is_multipart()]
    for index, part in enumerate(leaves, start=1):
        payload = part.get_payload(decode=True)
        if payload is None:
            payload = b""
        path = os.path.join(directory, f"{stem}.part-{index}.bin")
        write_atomically(path, payload)
        text = None
        if part.get_content_maintype() == "text":
            try:
                text = part.get_content()
            except Exception:  # noqa: BLE001 -- an unknown charset still yields text
                text = payload.decode("utf-8", errors="replace")
            # Tests compare text; the exact bytes (CRLFs included) stay in "path".
            text = text.replace("\r\n", "\n")
        encoding = part.get("Content-Transfer-Encoding")
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "filename": part.get_filename(),
            "disposition": part.get_content_disposition(),
            "transfer_encoding": str(encoding).strip().lower() if encoding is not None else None,
            "path": path,
            "text": text,
        })
    return parts


def summarize(raw, directory, stem, session, envelope):
    defects = raw_defects(raw) + strict_defects(raw)
    summary = {
        "envelope_from": envelope.mail_from,
        "envelope_to": list(envelope.rcpt_tos),
        # {"mechanism": ..., "login": ...} when the client authenticated; never the secret itself.
        "auth": session.auth_data if isinstance(session.auth_data, dict) else None,
        "defects": defects,
        "headers": [],
        "parts": [],
        "multipart_structure": "",
        "raw_path": os.path.join(directory, f"{stem}.eml"),
    }
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        summary["headers"] = header_pairs(message)
        summary["multipart_structure"] = structure(message)
        # Decoding payloads can register defects, so collect them afterwards.
        summary["parts"] = leaf_parts(message, directory, stem)
        defects.extend(lenient_defects(message))
    except Exception as error:  # noqa: BLE001 -- report rather than lose the message
        defects.append(f"sink could not summarise the message: {describe(error)}")
    return summary


class Sink:
    """The aiosmtpd handler: stores messages, rejects configured recipients.

    aiosmtpd collects a handler's auth_* methods as extra AUTH mechanisms, so
    auth_XOAUTH2 below adds XOAUTH2; main() excludes it unless --xoauth2.
    """

    def __init__(self, directory, rejected, deferred=(), offer_auth=True, xoauth2=None):
        self.directory = directory
        self.rejected = {address.lower() for address in rejected}
        self.deferred = {address.lower() for address in deferred}
        self.offer_auth = offer_auth
        # The exact response a client must send, in the format Google and Microsoft document.
        self.xoauth2_expected = None
        if xoauth2 is not None:
            user, token = xoauth2
            self.xoauth2_user = user
            self.xoauth2_expected = f"user={user}\x01auth=Bearer {token}\x01\x01".encode("utf-8")
        self.counter = self.highest_existing()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The 5-argument hook replaces the reply, so it must record the name itself.
        session.host_name = hostname
        if self.offer_auth:
            return responses
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def auth_XOAUTH2(self, server, args):
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = b64decode(args[1].encode(), validate=True)
            except (Base64Error, ValueError):
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        if self.xoauth2_expected is None or blob != self.xoauth2_expected:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data={"mechanism": "XOAUTH2", "login": self.xoauth2_user})

    def highest_existing(self):
        numbers = [int(name[:-4]) for name in os.listdir(self.directory)
                   if re.fullmatch(r"\d+\.eml", name)]
        return max(numbers, default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        if address.lower() in self.deferred:
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Handlers run on the controller's single event loop thread, so the
        # counter needs no lock.
        self.counter += 1
        stem = f"{self.counter:04d}"
        raw = envelope.original_content or b""
        write_atomically(os.path.join(self.directory, f"{stem}.eml"), raw)
        summary = summarize(raw, self.directory, stem, session, envelope)
        encoded = json.dumps(summary, ensure_ascii=False, indent=1).encode("utf-8")
        write_atomically(os.path.join(self.directory, f"{stem}.json"), encoded)
        return "250 Message accepted for delivery"


def make_authenticator(user, password):
    expected = LoginPassword(user.encode("utf-8"), password.encode("utf-8"))

    def authenticator(server, session, envelope, mechanism, auth_data):
        if mechanism in ("PLAIN", "LOGIN") and auth_data == expected:
            return AuthResult(success=True, auth_data={"mechanism": mechanism, "login": user})
        return AuthResult(success=False, handled=False)

    return authenticator


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="SMTP sink for Ringback tests")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--xoauth2", metavar="USER:TOKEN")
    parser.add_argument("--no-auth-offer", action="store_true")
    parser.add_argument("--reject-rcpt", metavar="ADDR", nargs="+", action="extend", default=[])
    parser.add_argument("--defer-rcpt", metavar="ADDR", nargs="+", action="extend", default=[])
    arguments = parser.parse_args(argv)
    if arguments.auth is not None and ":" not in arguments.auth:
        parser.error("--auth expects USER:PASSWORD")
    if arguments.xoauth2 is not None and ":" not in arguments.xoauth2:
        parser.error("--xoauth2 expects USER:TOKEN")
    if arguments.require_starttls and not arguments.tls:
        parser.error("--require-starttls needs --tls")
    if arguments.tls and arguments.implicit_tls:
        parser.error("--tls (STARTTLS) and --implicit-tls exclude each other")
    return arguments


def main(argv):
    # Taken first thing: polling it later means a crashed test run leaves no orphan.
    parent = os.getppid()
    arguments = parse_arguments(argv)
    # aiosmtpd warns when AUTH is required without TLS; that is deliberate here.
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="smtp_sink %(levelname)s %(name)s: %(message)s")

    directory = os.path.abspath(arguments.dir)
    os.makedirs(directory, exist_ok=True)
    port = arguments.port or free_port()

    options = {
        "hostname": "127.0.0.1",
        "port": port,
        # A fixed name avoids socket.getfqdn(), which can stall without DNS.
        "server_hostname": "localhost",
        "data_size_limit": 64 * 1024 * 1024,
    }
    if arguments.tls:
        options["tls_context"] = make_certificate(directory)
        options["require_starttls"] = arguments.require_starttls
    if arguments.implicit_tls:
        options["ssl_context"] = make_certificate(directory)
    if arguments.auth is not None:
        user, password = arguments.auth.split(":", 1)
        options["authenticator"] = make_authenticator(user, password)
    if arguments.auth is not None or arguments.xoauth2 is not None:
        options["auth_required"] = True
    # aiosmtpd only counts STARTTLS as TLS; with implicit TLS the whole session already is.
    options["auth_require_tls"] = arguments.tls
    if arguments.xoauth2 is None:
        options["auth_exclude_mechanism"] = ["XOAUTH2"]
    xoauth2 = tuple(arguments.xoauth2.split(":", 1)) if arguments.xoauth2 is not None else None

    # A child inherits its parent's signal mask, and Swift launches this from a
    # Dispatch worker thread, which blocks SIGTERM; unblock it or stop() stalls.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    stopping = threading.Event()

    def request_stop(_signal, _frame):
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    handler = Sink(directory, arguments.reject_rcpt, arguments.defer_rcpt, offer_auth=not arguments.no_auth_offer, xoauth2=xoauth2)
    # A port found free can be taken by a parallel test before the server binds it: try another, unless one was asked for.
    for attempt in range(8):
        controller = SinkController(handler, **options)
        try:
            controller.start()
            break
        except Exception:
            if arguments.port or attempt == 7:
                raise
            options["port"] = port = free_port()
    print(f"READY {port}", flush=True)

    while not stopping.wait(0.5):
        if os.getppid() != parent:
            break
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
