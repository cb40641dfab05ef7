"""From files on disk to chunks in the store: loaders, chunking, prompt-injection screening,
incremental crash-safe ingest, the document index, the writer lock, and the Workspace that ties
a store to its settings.
"""
