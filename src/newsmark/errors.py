class NewsmarkError(Exception):
    """A problem the user can fix (bad input, a refused overwrite). The CLI prints it without a traceback."""
