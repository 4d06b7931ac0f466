"""Tab "DPO". Modules: `votes` (pairs, votes, export; builds the tab), `training` (the live run)."""
from demos.dpo.votes import TEXT, build

__all__ = ["TEXT", "build"]
