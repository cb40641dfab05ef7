"""Measuring Briefer on a user's own corpus: `brief eval` against the naive baseline, its metrics,
and the loopback servers the server-mode tests start.
"""
