"""The analysis core: pure numpy + webrtcvad, no I/O, no clocks. Samples are the clock."""

from .blocks import BlockAdapter
from .channel import Analyzer, ChannelAnalyzer
from .features import CSV_COLUMNS, PUBLIC_FIELDS, Features, RowClock

__all__ = [
    "CSV_COLUMNS",
    "PUBLIC_FIELDS",
    "Analyzer",
    "BlockAdapter",
    "ChannelAnalyzer",
    "Features",
    "RowClock",
]
