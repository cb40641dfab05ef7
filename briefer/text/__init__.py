"""English text rules with no model and no store: sentences, terms, quote matching, the wording
cues that mark options, conditions and questions' needs.
"""
