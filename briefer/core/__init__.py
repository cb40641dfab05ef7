"""The contract every other part builds on: errors, settings, the brief and answer schemas, prompt
files, atomic file writes. Imports nothing else of Briefer's.
"""
