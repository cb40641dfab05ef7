"""The plans that turn a topic or a question into a validated result: generate-validate-reask,
topic retrieval, the brief drafter, the answerer, and the naive baseline.
"""
