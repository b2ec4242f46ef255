"""Errors a user can cause and fix; the CLI prints them as one line and exits with code 2."""


class UserError(Exception):
    """A problem with the user's input or environment, with a one-line explanation."""


class ConfigError(UserError):
    """A scenario or experiment file (or a --set override) that cannot be used."""
