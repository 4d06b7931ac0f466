"""The EMA of the weights now lives in `playground.core.ema` (the race tab uses it too); kept as an alias."""
from playground.core.ema import EMA, SCHEDULES, effective_decay

__all__ = ["EMA", "SCHEDULES", "effective_decay"]
