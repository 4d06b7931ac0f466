"""The Math tab: exponentials and logarithms, their derivatives, and cross-entropy built from them.

From likelihood to -log y, one sample, a batch, binary and matrix forms, and a live model's loss.
Modules: `exp_log` (curves, tangents, finite differences), `cross_entropy` (dice, one sample,
batch), `forms` (binary, matrix, gradient), `token_loss` (a live LM's per-token loss), `figures`.
"""
