"""Sampling penalties: repetition (CTRL, x/r or x*r), frequency (x - f*c) and presence (x - p*[c>0]).

Engines differ in which tokens they count (vLLM/OpenAI, transformers, llama.cpp); all three are here.
Modules: `processors` (the penalties as LogitsProcessors), `decoding` (a loop that traces every
step's logits, and the sweep), `served` (the same penalties through a serving engine, under its own names),
`requests` (what the tab's run and sweep take, checked), `figures` (Plotly figures from that data).
"""
