"""salesim: an agent-based model of a sales organisation built on independent contractors."""

__version__ = "0.1.0"
