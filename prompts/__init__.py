"""Prompt and memo templates (data files), installed as briefer._prompts."""
