"""The command-line interface; each module registers one group of commands."""
