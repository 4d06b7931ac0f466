"""Speculative decoding: a cheap draft guesses gamma tokens, the target checks them in one pass.

Accept x with min(1, p(x)/q(x)), else draw from norm(max(0, p - q)) (Leviathan et al. 2023,
https://arxiv.org/abs/2211.17192). Modules: `decoding` (the loop and the accept/reject rule),
`config` (one run's inputs, checked once), `drafts` (prompt lookup, early exit, draft model),
`comparison` (plain then speculative, measured), `presets` (ready-made configs), `figures`.
"""
