"""DPO: -log sigma(beta * ((log pi - log pi_ref)(y_c) - (log pi - log pi_ref)(y_r))) (Rafailov et al. 2023).

The whole loop: people vote on answer pairs, a short live run trains on the votes, answers compare.
Modules: `loss` (the loss and the log-probs), `preferences` (the vote store and its export),
`vote_backends` (where the votes live: SQLite for one box, PostgreSQL for many replicas),
`training` (the bounded live run and the policy it trains), `figures` (Plotly, kept apart
so the engine imports without it).
"""
