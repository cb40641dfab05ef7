"""Where chunks live and how they are found: the ChunkStore protocol and its Chroma implementation,
the MiniLM embedder, BM25, and hybrid retrieval.
"""
