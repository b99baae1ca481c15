"""The fetch stage: partner bytes — the only package that touches the network.

``Fetcher`` (fetcher.py) does one bounded HTTP exchange or reads a file under feeds_dir;
``limits`` holds its watchdog, size cap and address checks; ``fetch_all`` (pool.py) runs
fetches concurrently with a slow start.
"""

from .fetcher import Fetcher
from .pool import fetch_all

__all__ = ["Fetcher", "fetch_all"]
