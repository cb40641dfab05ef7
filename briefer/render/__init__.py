"""Briefs and answers turned into documents a reader keeps: the Markdown memo.
"""
