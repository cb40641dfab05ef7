"""What grounding works on: the run object that carries one brief or answer (passages, token
counts, timings, manifest) and the quotable sentences of each retrieved passage.
"""
