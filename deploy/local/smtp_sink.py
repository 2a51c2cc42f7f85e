"""A counting SMTP sink for benchmarks, run by aiosmtpd (Debian's python3-aiosmtpd):

    PYTHONPATH=deploy/local python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c smtp_sink.CountingSink [DELAY_MS]

Like aiosmtpd.handlers.Sink it keeps nothing, but it counts what it accepted: every 250 reply to
DATA carries the running totals ("250 OK received=N distinct=M"), N being messages accepted and
M distinct Message-IDs among them, so a client reads the sink's counts from the reply to a probe
message without any other interface. With DELAY_MS it waits that long before each 250 reply, as a mail
server that writes each email to disk, or sits across a network, makes its client wait.
"""
import asyncio
import re

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingSink:
    def __init__(self, delay_ms=0):
        self.received = 0
        self.ids = set()
        self.delay = delay_ms / 1000

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) > 1 or (args and not args[0].isdigit()):
            parser.error("CountingSink takes one optional argument: the delay before each reply, in milliseconds")
        return cls(int(args[0]) if args else 0)

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        # Only the header block is searched: a body line starting "Message-ID:" does not count.
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        match = _MESSAGE_ID.search(head)
        if match:
            self.ids.add(match.group(1))
        if self.delay:
            await asyncio.sleep(self.delay)
        return f"250 OK received={self.received} distinct={len(self.ids)}"
