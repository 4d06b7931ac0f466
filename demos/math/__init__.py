"""Tab "Math". Modules: `tab` (widgets and handlers), `text` (English and Japanese)."""
from demos.math.tab import TEXT, build

__all__ = ["TEXT", "build"]
