"""What a channel answers when it did not take a message; shared by email and SMS."""


class ChannelError(Exception):
    """A message the channel did not take; `reason` says why without naming the family."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Rejected(ChannelError):
    """Refused for good: sending the same message again would be refused again."""


class Unavailable(ChannelError):
    """Not taken this time (server down, timeout, 4xx reply): the same message may go later."""


class InDoubt(ChannelError):
    """Handed over but never confirmed: the provider may have taken it, so sending it again could deliver it twice."""
