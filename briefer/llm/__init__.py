"""Chat models behind one protocol (ChatModel): the in-process llama.cpp backend (the only code
that imports llama_cpp), the OpenAI-compatible server backend, JSON-schema-constrained decoding,
the model registry and its PyPI fetch; testing.py holds the fake model.
"""
