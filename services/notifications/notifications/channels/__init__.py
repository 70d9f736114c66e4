"""The channels outreach leaves by: email over SMTP and text messages through an SMS provider."""

from notifications.channels.errors import ChannelError, InDoubt, Rejected, Unavailable

__all__ = ["ChannelError", "InDoubt", "Rejected", "Unavailable"]
