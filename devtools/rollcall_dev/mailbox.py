"""A local SMTP server keeping every message it accepts as an .eml file, for `make run` and tests.

Recipients whose local part starts with `bounce` (`bounce@…`, `bounce-7@…`) are refused with
`550 5.1.1`, as a server refuses a mailbox that does not exist.

Run: python -m rollcall_dev.mailbox --port 8025 --dir var/mail
"""

from __future__ import annotations

import argparse
import itertools
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller

log = logging.getLogger("rollcall_dev.mailbox")


class _Keeper:
    """aiosmtpd handler: refuses `bounce*` recipients, writes the rest to `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.partition("@")[0].lower().startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        number = next(self._numbers)
        path = self.folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{number}.eml"
        envelope_headers = (
            f"X-MailFrom: {envelope.mail_from}\r\nX-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        )
        partial = path.with_suffix(".part")  # renamed once whole, so readers never see half a file
        partial.write_bytes(
            envelope_headers.encode() + (envelope.original_content or envelope.content)
        )
        partial.rename(path)
        log.info("kept message %d as %s", number, path)  # the file, never the addresses
        return "250 2.0.0 Kept"


class Mailbox:
    """The SMTP server on a thread of this process; `messages()` reads back what it kept."""

    def __init__(
        self, folder: Path = Path("var/mail"), *, host: str = "127.0.0.1", port: int = 8025
    ) -> None:
        self.folder = Path(folder)
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    def start(self) -> Self:
        """Listen on host:port; raises OSError when the port is taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every address
        controller = Controller(
            _Keeper(self.folder), hostname=self.host, port=self.port, server_hostname="localhost"
        )  # the hostname spares a slow getfqdn()
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        """Every message in the folder, oldest first, with LF line ends as Python writes them."""
        parser = BytesParser(policy=policy.default)
        paths = sorted(self.folder.glob("*.eml"))
        return [parser.parsebytes(p.read_bytes().replace(b"\r\n", b"\n")) for p in paths]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rollcall_dev.mailbox", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail"), help="where .eml files go")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    mailbox = Mailbox(args.dir, host=args.host, port=args.port)
    try:
        mailbox.start()
    except OSError as error:
        print(f"the mailbox cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    log.info("SMTP on %s:%d, keeping mail in %s", args.host, args.port, args.dir)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    mailbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
