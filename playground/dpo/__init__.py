"""DPO: -log sigma(beta * ((log pi - log pi_ref)(y_c) - (log pi - log pi_ref)(y_r))) (Rafailov et al. 2023).

The whole loop: people vote on answer pairs, a short live run trains on the votes, answers compare,
and the room judges the trained runs against the reference blind.
Modules: `loss` (the loss and the log-probs), `preferences` (the vote store and its export),
`vote_backends` (where the votes live: SQLite for one box, PostgreSQL for many replicas),
`training` (the bounded live run and the policy it trains, its kept runs), `room` (whose policy answers
whom: each visitor's own run, the one published to the room, the presenter key, bounded memory), `judge` (judge mode: blind
pairs of policies on held-out prompts, least-compared pair first), `judge_votes` (the judge votes' own
table, never training data), `arena` (Bradley-Terry strengths with bootstrap intervals, the leaderboard),
`figures` (Plotly, kept apart so the engine imports without it).
"""
