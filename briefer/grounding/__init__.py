"""Whether the model's words are stated by the documents: quote verification against passages,
claim support, keep / set apart / decline decisions, and the other side of a disagreement. Never
imports a model backend.
"""
