"""The `brief` command and its REPL: the only code that imports typer, rich and prompt_toolkit;
every BrieferError becomes one line on stderr and an exit code here.
"""
