"""yishu (一数): one data item, one authoritative source, one standard.

A public-data platform for a Chinese city's data bureau: collect once, govern to one source
of truth, share safely, open to the public, put data to work.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
